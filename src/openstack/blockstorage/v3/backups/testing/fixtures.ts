// Verbatim answers of Cinder 21.3.1 (devcloud, microversion 3.70), captured with curl.
export const PROJECT_ID = '7a6fdb06c99e4419b423b36a1e358df8'

/** POST /v3/{project}/backups (202): Cinder returns id, name and links only. */
export const CREATE_RESPONSE = {
  "backup": {
    "id": "aa36518b-faaf-4910-9b2f-439ef45bdf17",
    "name": "swtest-a-bak",
    "links": [
      {
        "rel": "self",
        "href": "http://127.0.0.1:8776/v3/7a6fdb06c99e4419b423b36a1e358df8/backups/aa36518b-faaf-4910-9b2f-439ef45bdf17"
      },
      {
        "rel": "bookmark",
        "href": "http://127.0.0.1:8776/7a6fdb06c99e4419b423b36a1e358df8/backups/aa36518b-faaf-4910-9b2f-439ef45bdf17"
      }
    ]
  }
}

/** GET /v3/{project}/backups/detail?all_tenants=1 */
export const LIST_RESPONSE = {
  "backups": [
    {
      "id": "aa36518b-faaf-4910-9b2f-439ef45bdf17",
      "status": "creating",
      "size": 1,
      "object_count": 0,
      "availability_zone": null,
      "container": "aa/36/aa36518b-faaf-4910-9b2f-439ef45bdf17",
      "created_at": "2026-11-22T02:00:07.000000",
      "updated_at": "2026-11-22T02:00:08.000000",
      "name": "swtest-a-bak",
      "description": "fixture backup",
      "fail_reason": null,
      "volume_id": "805a2a60-195d-46a7-86b6-9fa84190109b",
      "links": [
        {
          "rel": "self",
          "href": "http://127.0.0.1:8776/v3/7a6fdb06c99e4419b423b36a1e358df8/backups/aa36518b-faaf-4910-9b2f-439ef45bdf17"
        },
        {
          "rel": "bookmark",
          "href": "http://127.0.0.1:8776/7a6fdb06c99e4419b423b36a1e358df8/backups/aa36518b-faaf-4910-9b2f-439ef45bdf17"
        }
      ],
      "is_incremental": false,
      "has_dependent_backups": false,
      "snapshot_id": null,
      "data_timestamp": "2026-11-22T02:00:07.000000",
      "metadata": {
        "swtest": "fixture"
      },
      "os-backup-project-attr:project_id": "7a6fdb06c99e4419b423b36a1e358df8",
      "user_id": "bf4abaa6e613459ca14b597190cb9487"
    }
  ]
}
