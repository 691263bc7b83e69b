"""Requests per second and p95 under load, on gunicorn with four workers, beside a trivial page.

Used by run.py: gunicorn (gunicorn.conf.py, production config) serves the generated database
on a loopback port; a fixed number of client threads, each with one keep-alive connection,
ask for one path for a bounded number of seconds. Each path's throughput and p95 are given
as a ratio to `/healthz` on the same server in the same run. Only 127.0.0.1 is ever asked.
"""

import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TRIVIAL_PATH = "/healthz"


@dataclass
class Load:
    path: str
    requests: int
    errors: int
    seconds: float
    p95_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with gunicorn.conf.py and `workers` workers on a free loopback port."""

    def __init__(self, database_url: str, workers: int = 4):
        self.port = _free_port()
        env = {**os.environ, "APP_CONFIG": "production", "SECRET_KEY": "bench-" * 8,
               "DATABASE_URL": database_url, "WEB_CONCURRENCY": str(workers),
               "BIND": f"127.0.0.1:{self.port}", "INSTANCE_PATH": tempfile.mkdtemp(),
               "LOG_LEVEL": "warning", "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null",
             "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode} at start")
            try:
                status, _ = self.get(TRIVIAL_PATH, {})
                if status in (200, 503):
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise SystemExit("gunicorn did not start within 300 s")

    def get(self, path: str, headers: dict) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.stop()


def hammer(server: Server, path: str, headers: dict, *, seconds: float = 8.0,
           clients: int = 8) -> Load:
    """`clients` threads ask for `path` until `seconds` have passed (bounded in time)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client():
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        mine, failed = [], 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            mine.append(time.perf_counter() - started)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000 if len(latencies) > 1 else 0.0
    return Load(path, len(latencies), errors, elapsed, p95)
