// Verbatim answer of Keystone 22.0.2 (devcloud), captured with curl.

/** GET /v3/role_assignments?scope.project.id=<demo>&include_names=true */
export const LIST_RESPONSE = {
  "role_assignments": [
    {
      "links": {
        "assignment": "http://127.0.0.1:5000/v3/projects/6e04fe64e80c4924be0b21ffa009d1f2/users/4bb709ef15da4763bd97c2456c791d62/roles/44a096e6948d4ac58eec910f48ec7e6e"
      },
      "scope": {
        "project": {
          "id": "6e04fe64e80c4924be0b21ffa009d1f2",
          "name": "demo",
          "domain": {
            "id": "default",
            "name": "Default"
          }
        }
      },
      "user": {
        "id": "4bb709ef15da4763bd97c2456c791d62",
        "name": "demo",
        "domain": {
          "id": "default",
          "name": "Default"
        }
      },
      "role": {
        "id": "44a096e6948d4ac58eec910f48ec7e6e",
        "name": "member"
      }
    }
  ],
  "links": {
    "next": null,
    "self": "http://127.0.0.1:5000/v3/role_assignments?scope.project.id=6e04fe64e80c4924be0b21ffa009d1f2&include_names=true",
    "previous": null
  }
}
