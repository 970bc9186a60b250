// Verbatim answers of Nova 26.2.2 (devcloud, microversion 2.93), captured with curl.

/** GET /v2.1/servers/detail?all_tenants=1&limit=1 */
export const LIST_PAGE_1 = {
  "servers": [
    {
      "id": "47da312a-3303-4955-8798-a8302a06d85b",
      "name": "swtest-a-srv",
      "status": "ACTIVE",
      "tenant_id": "7a6fdb06c99e4419b423b36a1e358df8",
      "user_id": "bf4abaa6e613459ca14b597190cb9487",
      "metadata": {
        "swtest": "fixture"
      },
      "hostId": "fabfc20e8cc14e375c8196ed1d0ae50d1bf4e78541762d89913b471c",
      "image": {
        "id": "f84959a4-b37f-403b-96fb-27662a5dde8a",
        "links": [
          {
            "rel": "bookmark",
            "href": "http://127.0.0.1:8774/images/f84959a4-b37f-403b-96fb-27662a5dde8a"
          }
        ]
      },
      "flavor": {
        "vcpus": 1,
        "ram": 128,
        "disk": 0,
        "ephemeral": 0,
        "swap": 0,
        "original_name": "devcloud.tiny",
        "extra_specs": {}
      },
      "created": "2026-11-22T02:00:51Z",
      "updated": "2026-11-22T02:00:52Z",
      "addresses": {},
      "accessIPv4": "",
      "accessIPv6": "",
      "links": [
        {
          "rel": "self",
          "href": "http://127.0.0.1:8774/v2.1/servers/47da312a-3303-4955-8798-a8302a06d85b"
        },
        {
          "rel": "bookmark",
          "href": "http://127.0.0.1:8774/servers/47da312a-3303-4955-8798-a8302a06d85b"
        }
      ],
      "OS-DCF:diskConfig": "MANUAL",
      "progress": 0,
      "OS-EXT-AZ:availability_zone": "nova",
      "config_drive": "",
      "key_name": null,
      "OS-SRV-USG:launched_at": "2026-11-22T02:00:52.000000",
      "OS-SRV-USG:terminated_at": null,
      "OS-EXT-SRV-ATTR:host": "devcloud",
      "OS-EXT-SRV-ATTR:instance_name": "instance-00000002",
      "OS-EXT-SRV-ATTR:hypervisor_hostname": "devcloud",
      "OS-EXT-SRV-ATTR:reservation_id": "r-dsggyalv",
      "OS-EXT-SRV-ATTR:launch_index": 0,
      "OS-EXT-SRV-ATTR:hostname": "swtest-a-srv",
      "OS-EXT-SRV-ATTR:kernel_id": "",
      "OS-EXT-SRV-ATTR:ramdisk_id": "",
      "OS-EXT-SRV-ATTR:root_device_name": "/dev/sda",
      "OS-EXT-SRV-ATTR:user_data": null,
      "OS-EXT-STS:task_state": null,
      "OS-EXT-STS:vm_state": "active",
      "OS-EXT-STS:power_state": 1,
      "os-extended-volumes:volumes_attached": [
        {
          "id": "805a2a60-195d-46a7-86b6-9fa84190109b",
          "delete_on_termination": false
        }
      ],
      "locked": false,
      "locked_reason": null,
      "description": null,
      "tags": [],
      "trusted_image_certificates": null,
      "host_status": "UP"
    }
  ],
  "servers_links": [
    {
      "rel": "next",
      "href": "http://127.0.0.1:8774/v2.1/servers/detail?all_tenants=1&limit=1&marker=47da312a-3303-4955-8798-a8302a06d85b"
    }
  ]
}

export const LIST_PAGE_2 = { servers: [] as unknown[] }

/** GET /v2.1/servers/nonexistent */
export const NOT_FOUND = { itemNotFound: { code: 404, message: 'Instance nonexistent could not be found.' } }
