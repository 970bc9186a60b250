// Verbatim answers of Cinder 21.3.1 (devcloud), captured with curl.
export const PROJECT_ID = '7a6fdb06c99e4419b423b36a1e358df8'

/** GET /v3/{project}/os-quota-sets/{project}?usage=true */
export const USAGE_RESPONSE = {
  "quota_set": {
    "volumes": {
      "limit": 10,
      "in_use": 1,
      "reserved": 0
    },
    "per_volume_gigabytes": {
      "limit": -1,
      "in_use": 0,
      "reserved": 0
    },
    "snapshots": {
      "limit": 10,
      "in_use": 1,
      "reserved": 0
    },
    "gigabytes": {
      "limit": 1000,
      "in_use": 2,
      "reserved": 0
    },
    "backups": {
      "limit": 10,
      "in_use": 1,
      "reserved": 0
    },
    "backup_gigabytes": {
      "limit": 1000,
      "in_use": 1,
      "reserved": 0
    },
    "volumes___DEFAULT__": {
      "limit": -1,
      "in_use": 1,
      "reserved": 0
    },
    "gigabytes___DEFAULT__": {
      "limit": -1,
      "in_use": 2,
      "reserved": 0
    },
    "snapshots___DEFAULT__": {
      "limit": -1,
      "in_use": 1,
      "reserved": 0
    },
    "groups": {
      "limit": 10,
      "in_use": 0,
      "reserved": 0
    },
    "id": "7a6fdb06c99e4419b423b36a1e358df8"
  }
}

/** GET /v3/{project}/os-quota-sets/{project} */
export const LIMITS_RESPONSE = {
  "quota_set": {
    "volumes": 10,
    "per_volume_gigabytes": -1,
    "snapshots": 10,
    "gigabytes": 1000,
    "backups": 10,
    "backup_gigabytes": 1000,
    "volumes___DEFAULT__": -1,
    "gigabytes___DEFAULT__": -1,
    "snapshots___DEFAULT__": -1,
    "groups": 10,
    "id": "7a6fdb06c99e4419b423b36a1e358df8"
  }
}
