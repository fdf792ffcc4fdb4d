import pytest

TOKEN = "s3cret-token"


@pytest.fixture
async def guarded(start_service):
    async with start_service(service={"token": TOKEN}) as client:
        yield client


async def test_healthz_is_open_without_a_token(guarded):
    assert (await guarded.get("/healthz")).status == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/generate"),
        ("POST", "/v1/edit"),
        ("GET", "/v1/jobs/x"),
        ("GET", "/v1/images/" + "a" * 32),
        ("GET", "/metrics"),
    ],
)
@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN, "Bearer caf\u00e9", "Bearer"])
async def test_everything_else_needs_the_bearer_token(guarded, method, path, header):
    headers = {"Authorization": header.encode().decode("latin-1")} if header else {}
    response = await guarded.request(method, path, json={"prompt": "x"}, headers=headers)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert (await response.json())["error"]["code"] == "unauthorized"


async def test_the_right_token_is_let_through(guarded):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    response = await guarded.post("/v1/generate", json={"prompt": "a kite"}, headers=headers)
    assert response.status == 200
    assert (await guarded.get("/metrics", headers=headers)).status == 200


async def test_the_scheme_is_case_insensitive(guarded):
    assert (await guarded.get("/metrics", headers={"Authorization": f"bearer {TOKEN}"})).status == 200


async def test_images_behind_a_token_are_not_cached_by_shared_caches(guarded):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    image_id = (await (await guarded.post("/v1/generate", json={"prompt": "a kite"}, headers=headers)).json())[
        "images"
    ][0]["id"]
    response = await guarded.get(f"/v1/images/{image_id}", headers=headers)
    assert response.headers["Cache-Control"].startswith("private")
