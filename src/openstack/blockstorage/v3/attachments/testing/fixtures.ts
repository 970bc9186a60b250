// Verbatim answer of Cinder 21.3.1 (devcloud, microversion 3.70), captured with curl; the RBD
// connection_info is kept as Cinder sends it (the client drops it).

/** GET /v3/{project}/attachments/detail */
export const LIST_RESPONSE = {
  attachments: [
    {
      id: 'cae98112-541e-44b6-8139-8a33e52b6e69',
      status: 'attached',
      instance: '47da312a-3303-4955-8798-a8302a06d85b',
      volume_id: '805a2a60-195d-46a7-86b6-9fa84190109b',
      attached_at: '2026-11-22T02:01:18.000000',
      detached_at: '',
      attach_mode: 'rw',
      connection_info: {
        name: 'volumes/volume-805a2a60-195d-46a7-86b6-9fa84190109b',
        hosts: ['127.0.0.1'],
        ports: ['6789'],
        cluster_name: 'ceph',
        auth_enabled: false,
        auth_username: null,
        secret_type: 'ceph',
        secret_uuid: 'ae707122-5306-4d4e-ae01-180f6734da5d',
        volume_id: '805a2a60-195d-46a7-86b6-9fa84190109b',
        discard: true,
        qos_specs: null,
        access_mode: 'rw',
        encrypted: false,
        cacheable: false,
        driver_volume_type: 'rbd',
        attachment_id: 'cae98112-541e-44b6-8139-8a33e52b6e69',
      },
    },
  ],
}
