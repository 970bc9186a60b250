// Verbatim answers of Keystone 22.0.2 (devcloud), captured with curl.

/** GET /v3/projects?limit=2 (Keystone ignores limit here and answers everything). */
export const LIST_RESPONSE = {
  "projects": [
    {
      "id": "50342ce32442415ca56d647b67a1a1f3",
      "name": "service",
      "domain_id": "default",
      "description": "devcloud service users",
      "enabled": true,
      "parent_id": "default",
      "is_domain": false,
      "tags": [],
      "options": {},
      "links": {
        "self": "http://127.0.0.1:5000/v3/projects/50342ce32442415ca56d647b67a1a1f3"
      }
    },
    {
      "id": "6e04fe64e80c4924be0b21ffa009d1f2",
      "name": "demo",
      "domain_id": "default",
      "description": "devcloud second project (non-admin member)",
      "enabled": true,
      "parent_id": "default",
      "is_domain": false,
      "tags": [],
      "options": {},
      "links": {
        "self": "http://127.0.0.1:5000/v3/projects/6e04fe64e80c4924be0b21ffa009d1f2"
      }
    },
    {
      "id": "7a6fdb06c99e4419b423b36a1e358df8",
      "name": "admin",
      "domain_id": "default",
      "description": "Bootstrap project for initializing the cloud.",
      "enabled": true,
      "parent_id": "default",
      "is_domain": false,
      "tags": [],
      "options": {},
      "links": {
        "self": "http://127.0.0.1:5000/v3/projects/7a6fdb06c99e4419b423b36a1e358df8"
      }
    }
  ],
  "links": {
    "next": null,
    "self": "http://127.0.0.1:5000/v3/projects?limit=2",
    "previous": null
  }
}

/** GET /v3/projects/nope */
export const NOT_FOUND = { error: { code: 404, message: 'Could not find project: nope.', title: 'Not Found' } }
