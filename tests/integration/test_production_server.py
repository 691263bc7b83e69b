"""gunicorn with gunicorn.conf.py serves the production app, logs JSON, and stops gracefully."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def production_env(tmp_path):
    env = {**os.environ, "APP_CONFIG": "production", "SECRET_KEY": "x" * 64,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
           "INSTANCE_PATH": str(tmp_path / "instance"), "FLASK_APP": "wsgi.py",
           "PYTHONPATH": str(ROOT), "WEB_CONCURRENCY": "2"}
    env.pop("TEST_DATABASE_URL", None)
    subprocess.run([str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
    return env


def test_gunicorn_serves_health_logs_json_and_stops_gracefully(production_env):
    port = _free_port()
    env = {**production_env, "BIND": f"127.0.0.1:{port}"}
    server = subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline, body, headers = time.monotonic() + 60, None, None
        while time.monotonic() < deadline and body is None:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz",
                                                 headers={"X-Request-ID": "probe-1"})
                with urllib.request.urlopen(request, timeout=5) as response:
                    body, headers = json.load(response), response.headers
            except OSError:
                time.sleep(0.3)
        assert body is not None, "gunicorn did not answer within 60 s"
        assert body["database"] == "ok" and body["migrations"]["current"] is True
        assert headers["X-Request-ID"] == "probe-1"
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output
    access = [json.loads(line) for line in output.splitlines() if '"path": "/healthz"' in line]
    assert access and access[-1]["request_id"] == "probe-1" and access[-1]["status"] == 200
    assert "Shutting down: Master" in output
