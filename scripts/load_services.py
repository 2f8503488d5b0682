"""Services for scripts/loadtest.py: PostgreSQL clusters, Redis, a scratch database, children."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "load"
HOST = "127.0.0.1"
BROKER_DB = 11  # Redis database 11 is the load test's own
MAIN_PORT, FAULTS_PORT, FAULTS_CLUSTER = 5432, 5433, "faults"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# Services -------------------------------------------------------------------


def pg_version() -> str:
    return sorted(os.listdir("/etc/postgresql"), key=int)[-1]


def pg_ready(port: int) -> bool:
    ready = subprocess.run(["pg_isready", "-q", "-h", HOST, "-p", str(port)], check=False)
    return ready.returncode == 0


def wait_until(predicate, timeout: float, what: str, step: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what}: gave up after {timeout:.0f}s")
        time.sleep(step)


def pg_ctl(cluster: str, action: str) -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", pg_version(), cluster, action], check=True
    )


def ensure_postgres(port: int) -> None:
    """Start the cluster on `port` if it is down; create the faults cluster if missing."""
    if pg_ready(port):
        return
    if port == FAULTS_PORT:
        clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
        if not any(
            line.split()[:2] == [pg_version(), FAULTS_CLUSTER] for line in clusters.splitlines()
        ):
            log(f"Creating PostgreSQL cluster {FAULTS_CLUSTER!r} on port {port}")
            create = ["pg_createcluster", pg_version(), FAULTS_CLUSTER, "--port", str(port)]
            subprocess.run([*create, "--", "--auth=trust"], check=True, stdout=subprocess.DEVNULL)
        cluster = FAULTS_CLUSTER
    else:
        cluster = "main"
    log(f"Starting PostgreSQL cluster {cluster!r}")
    pg_ctl(cluster, "start")
    wait_until(lambda: pg_ready(port), 60, f"PostgreSQL on {port}")


def ensure_redis() -> None:
    client = redis.Redis(host=HOST, port=6379, socket_connect_timeout=1)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    if answers():
        return
    log("Starting Redis")
    Path("/var/log/redis").mkdir(parents=True, exist_ok=True)
    Path("/var/lib/redis").mkdir(parents=True, exist_ok=True)
    # As .ci/run starts it.
    server = "redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --appendonly no"
    files = "--dir /var/lib/redis --logfile /var/log/redis/ci.log"
    subprocess.run([*server.split(), "--save", "", *files.split()], check=True)
    wait_until(answers, 30, "Redis")


def recreate_database(port: int, name: str) -> None:
    with psycopg.connect(
        host=HOST, port=port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Process:
    """A child in its own process group, its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.log_path = ARTIFACTS / f"{name}.log"
        self.log_file = self.log_path.open("w")
        self.popen = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)  # gunicorn and celery: graceful
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log(f"{self.name} did not stop in {timeout:.0f}s; killing its process group")
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        self.log_file.close()
