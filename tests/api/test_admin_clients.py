"""/admin/clients: admins register, read, list and remove OAuth API clients."""

from __future__ import annotations

from typing import Any

import pytest

from amity.core.services import Services
from tests.conftest import ApiClient, User

APP = {"name": "Mobile app", "redirect_uris": ["https://app.example.com/cb"]}


def create(api: ApiClient, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/admin/clients", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_admin_crud(api: ApiClient, services: Services) -> None:
    made = create(api, APP)
    client_id, secret = made["client_id"], made["client_secret"]
    assert made["name"] == "Mobile app" and made["confidential"] is True
    assert made["grants"] == ["authorization_code", "refresh_token"]
    assert services.clients.verify_secret(client_id, secret)

    public = create(
        api,
        {
            "name": "SPA",
            "confidential": False,
            "redirect_uris": ["http://localhost:3000/cb"],
            "scopes": ["profile"],
            "owner_types": ["contact"],
        },
    )
    assert "client_secret" not in public
    assert (public["scopes"], public["owner_types"]) == (["profile"], ["contact"])

    listed = api.get("/admin/clients").json()["records"]
    assert [c["client_id"] for c in listed] == [client_id, public["client_id"]]
    one = api.get(f"/admin/clients/{client_id}")
    assert one.status_code == 200
    record = one.json()["record"]
    assert record["redirect_uris"] == APP["redirect_uris"]
    for body in (listed, record):
        assert "secret" not in str(body) and secret not in str(body)  # no secret, no hash

    assert api.delete(f"/admin/clients/{client_id}").json() == {"result": True}
    assert api.get(f"/admin/clients/{client_id}").status_code == 404
    assert [c["client_id"] for c in api.get("/admin/clients").json()["records"]] == [
        public["client_id"]
    ]
    assert not services.clients.verify_secret(client_id, secret)
    again = api.delete(f"/admin/clients/{client_id}")
    assert again.status_code == 404 and again.json()["error"] == "not_found"


def test_client_credentials_client_acts_as_a_user(api: ApiClient, admin: User) -> None:
    made = create(api, {"name": "sync job", "grants": ["client_credentials"], "user": "admin"})
    assert made["user_id"] == admin.id and made["client_secret"]
    assert create(api, {**APP, "allow_password": True})["grants"] == [
        "authorization_code",
        "refresh_token",
        "password",
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"redirect_uris": ["https://a.example/cb"]}, "name is required"),
        ({**APP, "redirect_uris": ["http://app.example.com/cb"]}, "only loopback"),
        ({**APP, "redirect_uris": ["https://app.example.com/cb#x"]}, "fragment"),
        ({**APP, "redirect_uris": "https://app.example.com/cb"}, "must be a list"),
        ({**APP, "grants": ["password"]}, "password grant is off"),
        ({**APP, "grants": ["implicit"]}, "implicit grant is off"),
        ({**APP, "grants": ["magic"]}, "Unknown grant"),
        (
            {**APP, "confidential": False, "grants": ["client_credentials"], "user": "admin"},
            "public client cannot use the client_credentials",
        ),
        ({**APP, "confidential": "no"}, "true or false"),
        ({**APP, "secret": "mine"}, "Unknown option 'secret'"),
        ({"name": "x"}, "redirect URI is needed"),
    ],
)
def test_bad_requests(api: ApiClient, body: dict[str, Any], message: str) -> None:
    response = api.post("/admin/clients", json=body)
    assert response.status_code == 400, response.text
    error = response.json()
    assert set(error) == {"error", "message", "hint"}
    assert error["error"] == "bad_request" and message in error["message"]
    assert api.get("/admin/clients").json()["records"] == []


def test_malformed_json_is_a_400(api: ApiClient) -> None:
    response = api.post(
        "/admin/clients", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400 and response.json()["error"] == "bad_request"


def test_non_admins_are_forbidden(
    app: Any, api: ApiClient, services: Services, admin: User
) -> None:
    client_id = create(api, APP)["client_id"]
    services.auth.add_user(admin.actor, "sally", "pw-sally-123")
    _, token = services.auth.create_token("sally", "t")
    sally = ApiClient(app, {"Authorization": f"Bearer {token}"})
    try:
        for method, path, kw in [
            ("GET", "/admin/clients", {}),
            ("POST", "/admin/clients", {"json": APP}),
            ("GET", f"/admin/clients/{client_id}", {}),
            ("DELETE", f"/admin/clients/{client_id}", {}),
        ]:
            response = sally.request(method, path, **kw)
            assert response.status_code == 403, (method, path)
            assert response.json()["error"] == "forbidden"
    finally:
        sally.close()
    assert [c["client_id"] for c in api.get("/admin/clients").json()["records"]] == [client_id]


def test_no_credentials_is_401(anon: ApiClient) -> None:
    for method, path in [
        ("GET", "/admin/clients"),
        ("POST", "/admin/clients"),
        ("GET", "/admin/clients/x"),
        ("DELETE", "/admin/clients/x"),
    ]:
        response = anon.request(method, path)
        assert response.status_code == 401, (method, path)
        assert response.json()["error"] == "unauthorized"
