// Verbatim answers of Cinder 21.3.1 (devcloud, microversion 3.70), captured with curl.
export const PROJECT_ID = '7a6fdb06c99e4419b423b36a1e358df8'

/** POST /v3/{project}/snapshots (202) */
export const CREATE_RESPONSE = {
  "snapshot": {
    "id": "86e62dec-3d2a-474c-9eda-3db73f3b0048",
    "created_at": "2026-11-22T02:00:07.032677",
    "updated_at": null,
    "name": "swtest-a-snap",
    "description": "fixture snap",
    "volume_id": "805a2a60-195d-46a7-86b6-9fa84190109b",
    "status": "creating",
    "size": 1,
    "metadata": {
      "swtest": "fixture"
    },
    "group_snapshot_id": null,
    "user_id": "bf4abaa6e613459ca14b597190cb9487",
    "consumes_quota": true
  }
}

/** GET /v3/{project}/snapshots/detail?all_tenants=1&limit=1 */
export const LIST_PAGE_1 = {
  "snapshots": [
    {
      "id": "86e62dec-3d2a-474c-9eda-3db73f3b0048",
      "created_at": "2026-11-22T02:00:07.000000",
      "updated_at": "2026-11-22T02:00:08.000000",
      "name": "swtest-a-snap",
      "description": "fixture snap",
      "volume_id": "805a2a60-195d-46a7-86b6-9fa84190109b",
      "status": "available",
      "size": 1,
      "metadata": {
        "swtest": "fixture"
      },
      "group_snapshot_id": null,
      "user_id": "bf4abaa6e613459ca14b597190cb9487",
      "consumes_quota": true,
      "os-extended-snapshot-attributes:project_id": "7a6fdb06c99e4419b423b36a1e358df8",
      "os-extended-snapshot-attributes:progress": "100%"
    }
  ],
  "snapshots_links": [
    {
      "rel": "next",
      "href": "http://127.0.0.1:8776/v3/7a6fdb06c99e4419b423b36a1e358df8/snapshots/detail?all_tenants=1&limit=1&marker=86e62dec-3d2a-474c-9eda-3db73f3b0048"
    }
  ]
}

/** The last page. */
export const LIST_PAGE_2 = { snapshots: [] as unknown[] }

/** POST /v3/{project}/snapshots with a bad volume id (400). */
export const BAD_REQUEST = {
  badRequest: {
    code: 400,
    message: "Invalid input for field/attribute volume_id. Value: nope. 'nope' is not valid under any of the given schemas",
  },
}
