"""Login limits count failed attempts only, per client address and per account; proxy headers
are believed only when configured; with Redis the counters are shared between workers."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2]
REDIS_URI = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _client(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _limit(app, name: str) -> int:
    return int(app.config[name].split()[0])


def test_successful_logins_never_count(app, db_session, make_user):
    """A city office behind one address: many people log in within the same minute."""
    emails = [f"office{n}@test.example" for n in range(3 * _limit(app, "LOGIN_RATE_LIMIT"))]
    for email in emails:
        make_user(email=email)
    for email in emails:
        assert login(_client(app, "192.0.2.1"), email).status_code == 302


def test_failures_from_one_address_are_limited_across_accounts(app, db_session, make_user):
    make_user(email="known@test.example")
    client = _client(app, "192.0.2.2")
    for n in range(_limit(app, "LOGIN_RATE_LIMIT")):
        assert login(client, f"guess{n}@test.example", "wrong").status_code == 200
    blocked = login(client, "known@test.example")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "För många försök" in blocked.get_data(as_text=True)
    assert login(_client(app, "192.0.2.3"), "known@test.example").status_code == 302


def test_failures_against_one_account_are_limited_from_any_address(app, db_session, make_user):
    make_user(email="target@test.example")
    limit = _limit(app, "LOGIN_ACCOUNT_RATE_LIMIT")
    for n in range(limit):
        response = login(_client(app, f"10.0.{n // 250}.{n % 250 + 1}"), "TARGET@test.example",
                         "wrong")
        assert response.status_code == 200
    blocked = login(_client(app, "192.0.2.99"), "target@test.example")
    assert blocked.status_code == 429  # even the right password waits
    assert login(_client(app, "192.0.2.99"), "target@test.example").status_code == 429
    make_user(email="bystander@test.example")
    assert login(_client(app, "192.0.2.99"), "bystander@test.example").status_code == 302


def test_forwarded_for_is_ignored_unless_proxies_are_configured(app, db_session, make_user):
    make_user(email="spoof@test.example")
    client = _client(app, "192.0.2.4")
    for n in range(_limit(app, "LOGIN_RATE_LIMIT")):
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"198.18.0.{n + 1}"
        assert login(client, f"spoof{n}@test.example", "wrong").status_code == 200
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.18.0.200"
    assert login(client, "spoof@test.example").status_code == 429


def test_with_one_trusted_proxy_the_forwarded_client_is_counted(app, db_session, make_user,
                                                                monkeypatch):
    from app.factory import trust_proxies

    monkeypatch.setitem(app.config, "TRUSTED_PROXY_HOPS", 1)
    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)
    trust_proxies(app)
    make_user(email="behind@test.example")
    proxy = _client(app, "192.0.2.5")
    proxy.environ_base["HTTP_X_FORWARDED_FOR"] = "198.18.1.1"
    for n in range(_limit(app, "LOGIN_RATE_LIMIT")):
        assert login(proxy, f"behind{n}@test.example", "wrong").status_code == 200
    assert login(proxy, "behind@test.example").status_code == 429
    proxy.environ_base["HTTP_X_FORWARDED_FOR"] = "198.18.1.2"  # another person, same proxy
    assert login(proxy, "behind@test.example").status_code == 302


# ---- shared between workers (Redis) -------------------------------------------------------

WORKER = """
import json, re, sys
from app import create_app
from app.extensions import db
database, storage, prefix, attempts, build = sys.argv[1:6]
app = create_app({"APP_CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": database,
                  "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": storage,
                  "RATELIMIT_KEY_PREFIX": prefix})
if build == "1":
    with app.app_context():
        db.create_all()
client = app.test_client()
client.environ_base["REMOTE_ADDR"] = "192.0.2.77"
statuses = []
for n in range(int(attempts)):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    statuses.append(client.post("/login", data={"email": f"nobody{n}@test.example",
                                                "password": "wrong",
                                                "csrf_token": token}).status_code)
print(json.dumps(statuses))
"""


def _redis_unreachable_reason() -> str | None:
    try:
        import redis
    except ImportError:
        return "the redis package is not installed"
    try:
        redis.Redis.from_url(REDIS_URI, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        return f"Redis is not reachable at {REDIS_URI} ({error})"
    return None


def _worker(database: str, storage: str, prefix: str, attempts: int, build: bool) -> list[int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", WORKER, database, storage, prefix, str(attempts),
         "1" if build else "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_two_workers_share_the_login_counters_in_redis(app, tmp_path):
    reason = _redis_unreachable_reason()
    if reason:
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)
    import redis

    database = f"sqlite:///{tmp_path / 'workers.sqlite3'}"
    prefix = f"test-{secrets.token_hex(6)}"
    limit = _limit(app, "LOGIN_RATE_LIMIT")
    first_half, second_half = limit // 2 + 1, limit
    try:
        first = _worker(database, REDIS_URI, prefix, first_half, build=True)
        second = _worker(database, REDIS_URI, prefix, second_half, build=False)
    finally:
        connection = redis.Redis.from_url(REDIS_URI)
        keys = list(connection.scan_iter(match=f"*{prefix}*"))
        if keys:
            connection.delete(*keys)
    assert first == [200] * first_half
    allowed = limit - first_half
    assert second == [200] * allowed + [429] * (second_half - allowed)



def test_an_unreachable_redis_falls_back_to_counting_in_memory(app, tmp_path):
    """Redis down must not turn every login into a 500: the worker counts on its own."""
    database = f"sqlite:///{tmp_path / 'workers.sqlite3'}"
    limit = _limit(app, "LOGIN_RATE_LIMIT")
    statuses = _worker(database, "redis://127.0.0.1:1/0", "down", limit + 1, build=True)
    assert statuses == [200] * limit + [429]
