// Verbatim answers of Cinder 21.3.1 (devcloud, microversion 3.70), captured with curl.
export const PROJECT_ID = '7a6fdb06c99e4419b423b36a1e358df8'

/** GET /v3/{project}/volumes/detail?all_tenants=1&limit=1 (first page, with a next link). */
export const LIST_PAGE_1 = {
  "volumes": [
    {
      "id": "bd78d9d5-9cd0-4574-96d6-a61dc27f0e36",
      "status": "available",
      "size": 1,
      "availability_zone": "nova",
      "created_at": "2026-11-22T01:57:20.000000",
      "updated_at": "2026-11-22T01:59:59.000000",
      "name": "swtest-B-probe1",
      "description": null,
      "volume_type": "__DEFAULT__",
      "snapshot_id": null,
      "source_volid": null,
      "metadata": {
        "a": "1"
      },
      "links": [
        {
          "rel": "self",
          "href": "http://127.0.0.1:8776/v3/7a6fdb06c99e4419b423b36a1e358df8/volumes/bd78d9d5-9cd0-4574-96d6-a61dc27f0e36"
        },
        {
          "rel": "bookmark",
          "href": "http://127.0.0.1:8776/7a6fdb06c99e4419b423b36a1e358df8/volumes/bd78d9d5-9cd0-4574-96d6-a61dc27f0e36"
        }
      ],
      "user_id": "4bb709ef15da4763bd97c2456c791d62",
      "bootable": "false",
      "encrypted": false,
      "replication_status": null,
      "consistencygroup_id": null,
      "multiattach": false,
      "attachments": [],
      "migration_status": null,
      "group_id": null,
      "provider_id": null,
      "shared_targets": false,
      "service_uuid": "4bd24441-ef44-4cff-991f-0e034383f883",
      "cluster_name": null,
      "volume_type_id": "2637b41a-0c55-4e6a-98ef-b042914e01c1",
      "consumes_quota": true,
      "os-vol-tenant-attr:tenant_id": "6e04fe64e80c4924be0b21ffa009d1f2",
      "os-vol-mig-status-attr:migstat": null,
      "os-vol-mig-status-attr:name_id": null,
      "os-vol-host-attr:host": "devcloud@ceph#ceph"
    }
  ],
  "volumes_links": [
    {
      "rel": "next",
      "href": "http://127.0.0.1:8776/v3/7a6fdb06c99e4419b423b36a1e358df8/volumes/detail?all_tenants=1&limit=1&marker=bd78d9d5-9cd0-4574-96d6-a61dc27f0e36"
    }
  ]
}

/** The next page (an attached volume; no more links). */
export const LIST_PAGE_2 = {
  "volumes": [
    {
      "id": "805a2a60-195d-46a7-86b6-9fa84190109b",
      "status": "in-use",
      "size": 1,
      "availability_zone": "nova",
      "created_at": "2026-11-22T01:57:19.000000",
      "updated_at": "2026-11-22T02:01:19.000000",
      "name": "swtest-a-fixture",
      "description": "fixture vol",
      "volume_type": "__DEFAULT__",
      "snapshot_id": null,
      "source_volid": null,
      "metadata": {
        "swtest": "fixture"
      },
      "links": [
        {
          "rel": "self",
          "href": "http://127.0.0.1:8776/v3/7a6fdb06c99e4419b423b36a1e358df8/volumes/805a2a60-195d-46a7-86b6-9fa84190109b"
        },
        {
          "rel": "bookmark",
          "href": "http://127.0.0.1:8776/7a6fdb06c99e4419b423b36a1e358df8/volumes/805a2a60-195d-46a7-86b6-9fa84190109b"
        }
      ],
      "user_id": "bf4abaa6e613459ca14b597190cb9487",
      "bootable": "false",
      "encrypted": false,
      "replication_status": null,
      "consistencygroup_id": null,
      "multiattach": false,
      "attachments": [
        {
          "id": "805a2a60-195d-46a7-86b6-9fa84190109b",
          "attachment_id": "cae98112-541e-44b6-8139-8a33e52b6e69",
          "volume_id": "805a2a60-195d-46a7-86b6-9fa84190109b",
          "server_id": "47da312a-3303-4955-8798-a8302a06d85b",
          "host_name": "devcloud",
          "device": "/dev/sdb",
          "attached_at": "2026-11-22T02:01:18.000000"
        }
      ],
      "migration_status": null,
      "group_id": null,
      "provider_id": null,
      "shared_targets": false,
      "service_uuid": "4bd24441-ef44-4cff-991f-0e034383f883",
      "cluster_name": null,
      "volume_type_id": "2637b41a-0c55-4e6a-98ef-b042914e01c1",
      "consumes_quota": true,
      "os-vol-tenant-attr:tenant_id": "7a6fdb06c99e4419b423b36a1e358df8",
      "os-vol-mig-status-attr:migstat": null,
      "os-vol-mig-status-attr:name_id": null,
      "os-vol-host-attr:host": "devcloud@ceph#ceph"
    }
  ]
}

/** POST /v3/{project}/volumes/{id}/metadata {"metadata": {"k2": "v2"}} */
export const SET_METADATA_RESPONSE = { metadata: { k2: 'v2', swtest: 'fixture' } }

/** GET /v3/{project}/volumes/nonexist */
export const NOT_FOUND = { itemNotFound: { code: 404, message: 'Volume nonexist could not be found.' } }
