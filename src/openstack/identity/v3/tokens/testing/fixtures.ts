// Verbatim answer of Keystone 22.0.2 (devcloud) to POST /v3/auth/tokens (password, project scope).
// The token value itself comes in the X-Subject-Token header.

export const TOKEN_RESPONSE = {
  "token": {
    "methods": [
      "password"
    ],
    "user": {
      "domain": {
        "id": "default",
        "name": "Default"
      },
      "id": "bf4abaa6e613459ca14b597190cb9487",
      "name": "admin",
      "password_expires_at": null
    },
    "audit_ids": [
      "yheybe6sQoy-UAz-vbqSSg"
    ],
    "expires_at": "2026-11-22T05:57:05.000000Z",
    "issued_at": "2026-11-22T01:57:05.000000Z",
    "project": {
      "domain": {
        "id": "default",
        "name": "Default"
      },
      "id": "7a6fdb06c99e4419b423b36a1e358df8",
      "name": "admin"
    },
    "is_domain": false,
    "roles": [
      {
        "id": "17b7793d1aef458a90805b51f1d3b8b5",
        "name": "reader"
      },
      {
        "id": "5f1380933bb3417391fe81500a2c0b1d",
        "name": "admin"
      },
      {
        "id": "44a096e6948d4ac58eec910f48ec7e6e",
        "name": "member"
      }
    ],
    "catalog": [
      {
        "endpoints": [
          {
            "id": "173113fefe194414a84740c27b1f163c",
            "interface": "public",
            "region_id": "RegionOne",
            "url": "http://127.0.0.1:9696",
            "region": "RegionOne"
          },
          {
            "id": "1d1f98a46551430c80159014b4633c0d",
            "interface": "internal",
            "region_id": "RegionOne",
            "url": "http://127.0.0.1:9696",
            "region": "RegionOne"
          },
          {
            "id": "265eea540e504346a672867e59b2209c",
            "interface": "admin",
            "region_id": "RegionOne",
            "url": "http://127.0.0.1:9696",
            "region": "RegionOne"
          }
        ],
        "id": "3f2987e96190459fae456705ef9c3fad",
        "type": "network",
        "name": "neutron"
      },
      {
        "endpoints": [
          {
            "id": "0e10bb96bc5f4987a9610112ae31d268",
            "interface": "public",
            "region_id": "RegionOne",
            "url": "http://127.0.0.1:5000/v3/",
            "region": "RegionOne"
          },
          {
            "id": "66dc6c4a3c44492bb3ae342c3b4130e3",
            "interface": "internal",
            "region_id": "RegionOne",
            "url": "http://127.0.0.1:5000/v3/",
            "region": "RegionOne"
          },
          {
            "id": "b00e212983464170b7461c5021a4e94b",
            "interface": "admin",
            "region_id": "RegionOne",
            "url": "http://127.0.0.1:5000/v3/",
            "region": "RegionOne"
          }
        ],
        "id": "4837bc5337be405b93f3d5a824cd60d4",
        "type": "identity",
        "name": "keystone"
      },
      {
        "endpoints": [
          {
            "id": "12bc6e08bde44cfcb4b9e261ec9baf2b",
            "interface": "public",
            "region_id": "RegionOne",
            "url": "http://127.0.0.1:9292",
            "region": "RegionOne"
          },
          {
            "id": "6899cd7c24064e61b1b21582c5012a90",
            "interface": "internal",
            "region_id": "RegionOne",
            "url": "http://127.0.0.1:9292",
            "region": "RegionOne"
          },
          {
            "id": "71262cc0b87e4509a4db8f721d267614",
            "interface": "admin",
            "region_id": "RegionOne",
            "url": "http://127.0.0.1:9292",
            "region": "RegionOne"
          }
        ],
        "id": "6a58fb1b0d8341aeab7f39351d7ae8f8",
        "type": "image",
        "name": "glance"
      },
      {
        "endpoints": [
          {
            "id": "4cba08356eb04e3b846888f54fc01515",
            "interface": "public",
            "region_id": "RegionOne",
            "url": "http://127.0.0.1:8774/v2.1",
            "region": "RegionOne"
          },
          {
            "id": "a7cc5672c55349fc8b4616ed8f9c5fa8",
            "interface": "internal",
            "region_id": "RegionOne",
            "url": "http://127.0.0.1:8774/v2.1",
            "region": "RegionOne"
          },
          {
            "id": "b1264b1996d44dd6bb006e4c9e1349dd",
            "interface": "admin",
            "region_id": "RegionOne",
            "url": "http://127.0.0.1:8774/v2.1",
            "region": "RegionOne"
          }
        ],
        "id": "723d151c1c674c8f86ebecc238eb763a",
        "type": "compute",
        "name": "nova"
      },
      {
        "endpoints": [
          {
            "id": "0b11d92ca3a24c3fab7f118c5609bba1",
            "interface": "public",
            "region_id": "RegionOne",
            "url": "http://127.0.0.1:8776/v3/7a6fdb06c99e4419b423b36a1e358df8",
            "region": "RegionOne"
          },
          {
            "id": "64ed6aa247eb4b8590a7241085e65800",
            "interface": "admin",
            "region_id": "RegionOne",
            "url": "http://127.0.0.1:8776/v3/7a6fdb06c99e4419b423b36a1e358df8",
            "region": "RegionOne"
          },
          {
            "id": "e3e1323dd42241c19b084f05ea19ca77",
            "interface": "internal",
            "region_id": "RegionOne",
            "url": "http://127.0.0.1:8776/v3/7a6fdb06c99e4419b423b36a1e358df8",
            "region": "RegionOne"
          }
        ],
        "id": "7fdb87463043493e902a57d6ea9e0efc",
        "type": "block-storage",
        "name": "cinder"
      },
      {
        "endpoints": [
          {
            "id": "715730d675d24fa08b8d16a5dcea8959",
            "interface": "admin",
            "region_id": "RegionOne",
            "url": "http://127.0.0.1:8778",
            "region": "RegionOne"
          },
          {
            "id": "dbd474d80dc04713a77622658c2043b0",
            "interface": "internal",
            "region_id": "RegionOne",
            "url": "http://127.0.0.1:8778",
            "region": "RegionOne"
          },
          {
            "id": "faee089a24414a0ead437a9604b750c0",
            "interface": "public",
            "region_id": "RegionOne",
            "url": "http://127.0.0.1:8778",
            "region": "RegionOne"
          }
        ],
        "id": "80cdff3f94cf43b2b39f8d45314b1fd6",
        "type": "placement",
        "name": "placement"
      },
      {
        "endpoints": [
          {
            "id": "84ca21c7a52344a195f3d676eb74b161",
            "interface": "internal",
            "region_id": "RegionOne",
            "url": "http://127.0.0.1:8776/v3/7a6fdb06c99e4419b423b36a1e358df8",
            "region": "RegionOne"
          },
          {
            "id": "d33e005b5aa749ba844604b98d42985b",
            "interface": "public",
            "region_id": "RegionOne",
            "url": "http://127.0.0.1:8776/v3/7a6fdb06c99e4419b423b36a1e358df8",
            "region": "RegionOne"
          },
          {
            "id": "f59c7956bfc646148f58036fc6f36fba",
            "interface": "admin",
            "region_id": "RegionOne",
            "url": "http://127.0.0.1:8776/v3/7a6fdb06c99e4419b423b36a1e358df8",
            "region": "RegionOne"
          }
        ],
        "id": "d0e9a273f8494e838895346960c1c757",
        "type": "volumev3",
        "name": "cinderv3"
      }
    ]
  }
}
