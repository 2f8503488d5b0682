"""Put Parley under production-like load, optionally restarting PostgreSQL mid-run.

    make loadtest [DURATION=120]         # mixed reads and writes against gunicorn + Celery
    make faults-postgres [DURATION=30]   # the same on a cluster of its own, restarted mid-run

It builds a scratch database (dropped and recreated), loads the demo, makes a
reviewer with an API token, starts gunicorn (DEBUG off) and a Celery worker on
Redis database 11, and drives anonymous page and API reads plus authenticated
writes (statements with claims, PATCHes with the version read, claim edits,
retractions, and two PATCHes raced from one version) for DURATION seconds. It
then waits for the worker to drain and checks that the Position table equals a
rebuild (`manage.py check_positions`) and that every acknowledged write is in
the database.

Any 5xx or connection error is an error, as is any 4xx other than the 409 that
the raced PATCH is meant to get. With --restart-postgres, errors during the
restart are allowed if each is a 503 and they stop within RECOVERY_LIMIT
seconds of PostgreSQL being back. The exit status is non-zero on any error.

Only the standard library talks HTTP; services are started if they are down,
never restarted, except the `faults` cluster on port 5433 that this script owns.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time

import redis
from load_checks import lost_writes, outage, summarise, wait_for_drain
from load_services import (
    ARTIFACTS,
    BROKER_DB,
    FAULTS_PORT,
    HOST,
    MAIN_PORT,
    ROOT,
    Process,
    ensure_postgres,
    ensure_redis,
    free_port,
    log,
    recreate_database,
    wait_until,
)
from load_traffic import (
    NEGOTIATION,
    Catalogue,
    Client,
    idle_restart,
    racer,
    reader,
    restarter,
    writer,
)

PYTHON = sys.executable


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=120, help="seconds of traffic")
    parser.add_argument("--readers", type=int, default=6, help="anonymous reading clients")
    parser.add_argument("--writers", type=int, default=2, help="authenticated writing clients")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument(
        "--restart-postgres",
        action="store_true",
        help="run on the faults cluster (port 5433) and restart it a third of the way in",
    )
    parser.add_argument("--seed", type=int, default=2024)
    return parser.parse_args()


def production_env(port: int, dbname: str) -> dict[str, str]:
    """DEBUG off as in production, over plain HTTP on loopback, without the API throttle."""
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": f"postgres://postgres@{HOST}:{port}/{dbname}",
        "CELERY_BROKER_URL": f"redis://{HOST}:6379/{BROKER_DB}",
        "API_ANON_RATE": "1000000/minute",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def manage(env: dict[str, str], *argv: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [PYTHON, "manage.py", *argv], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if check and done.returncode:
        raise SystemExit(f"manage.py {argv[0]} failed:\n{done.stdout}{done.stderr}")
    return done


MAKE_REVIEWER = """
from django.contrib.auth.models import Group, User
from knox.models import AuthToken
user, _ = User.objects.get_or_create(username="load-reviewer")
user.groups.add(Group.objects.get(name="reviewer"))
print(AuthToken.objects.create(user)[1])
"""


def prepare(env: dict[str, str], port: int, dbname: str) -> str:
    """Make the scratch database with the demo and a reviewer; return the reviewer's token."""
    ensure_postgres(port)
    ensure_redis()
    log(f"Recreating database {dbname} on port {port}")
    recreate_database(port, dbname)
    # Purge the broker (database 11 is ours alone) before the demo's recompute is queued.
    redis.Redis(host=HOST, port=6379, db=BROKER_DB).flushdb()
    log("Migrating, loading the demo, collecting static files")
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "load_demo", "-v", "0")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    return manage(env, "shell", "-c", MAKE_REVIEWER).stdout.split()[-1]


def start(env: dict[str, str], web_port: int, web_workers: int) -> list[Process]:
    web = ["-m", "gunicorn", "config.wsgi", "--bind", f"{HOST}:{web_port}"]
    web += ["--workers", str(web_workers), "--timeout", "30"]
    worker = ["-m", "celery", "-A", "config", "worker", "--concurrency", "2"]
    worker += ["--loglevel", "info", "--without-gossip", "--without-mingle"]
    worker += ["--hostname", f"load-{os.getpid()}@%h"]
    return [Process("gunicorn", [PYTHON, *web], env), Process("worker", [PYTHON, *worker], env)]


def drive(client: Client, catalogue: Catalogue, args: argparse.Namespace) -> dict[str, object]:
    """Run every client until the deadline (and the restart, if asked); return what happened."""
    client.t0 = time.monotonic()
    client.records.clear()
    deadline, seed = client.t0 + args.duration, args.seed
    lost_updates: list[int] = []
    marks: dict[str, float] = {}
    loops = [(reader, (client, catalogue, seed + n, deadline)) for n in range(args.readers)]
    loops += [(writer, (client, catalogue, seed + 100 + n, deadline)) for n in range(args.writers)]
    loops.append((racer, (client, catalogue, seed + 200, deadline, lost_updates)))
    if args.restart_postgres:
        loops.append((restarter, (client, args.duration / 3, marks)))
    threads = [threading.Thread(target=target, args=loop_args) for target, loop_args in loops]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "elapsed": time.monotonic() - client.t0,
        "lost_updates": lost_updates,
        "marks": marks,
    }


def main() -> int:
    args = parse_args()
    faults = args.restart_postgres
    port = FAULTS_PORT if faults else MAIN_PORT
    dbname = "parley_load_faults" if faults else "parley_load"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = production_env(port, dbname)
    token = prepare(env, port, dbname)

    web_port = free_port()
    result: dict[str, object] = {"mode": "faults-postgres" if faults else "load"}
    failures: list[str] = []
    processes = start(env, web_port, args.web_workers)
    gunicorn, worker = processes
    try:
        client = Client(web_port, token, time.monotonic())

        def web_up() -> bool:
            if gunicorn.popen.poll() is not None:
                raise SystemExit("gunicorn exited:\n" + gunicorn.output()[-3000:])
            return client.call("setup", "GET", f"/n/{NEGOTIATION}/")[0] == 200

        wait_until(web_up, 60, "gunicorn")
        wait_until(lambda: " ready." in worker.output(), 60, "Celery worker")
        catalogue = Catalogue.load(client)
        log(
            f"Traffic for {args.duration:.0f}s: {args.readers} readers, {args.writers} writers, "
            f"1 racer; gunicorn with {args.web_workers} workers on port {web_port}"
        )
        run = drive(client, catalogue, args)

        summary = summarise(client.records, run["elapsed"])
        result.update(summary)
        if run["lost_updates"]:
            failures.append(f"both raced PATCHes were accepted on {run['lost_updates']}")
        if faults:
            result["outage"] = window = outage(client.records, run["marks"])
            if window["errors_outside_restart"]:
                failures.append(f"{window['errors_outside_restart']} errors outside the restart")
            if window["not_clean_503"]:
                failures.append(f"not a 503 with Retry-After: {window['not_clean_503']}")
        elif summary["errors"]:
            failures.append(f"{summary['errors']} errors")
        if summary["unexpected_4xx"]:
            failures.append(f"{summary['unexpected_4xx']} unexpected 4xx")

        if faults:
            result["idle_restart"] = idle = idle_restart(client, catalogue)
            if set(idle["statuses"]) != {200, 201}:
                failures.append(f"requests failed after an idle restart: {idle['statuses']}")

        log("Waiting for the worker to drain")
        result["drain_seconds"] = round(wait_for_drain(180), 1)
        tasks_log = worker.output()
        result["worker"] = {
            "tasks_succeeded": tasks_log.count("succeeded in"),
            "task_retries": tasks_log.count("Retry in"),
            "task_failures": tasks_log.count("raised unexpected"),
        }
        if result["worker"]["task_failures"]:
            failures.append(f"{result['worker']['task_failures']} tasks failed on the worker")
        web_log = gunicorn.output()
        result["gunicorn_log"] = {
            "tracebacks": web_log.count("Traceback"),
            "worker_timeouts": web_log.count("WORKER TIMEOUT"),
            "logged_503s": web_log.count("answered 503"),
            "version_bumps_missed": web_log.count("Data version not bumped"),
        }
        if result["gunicorn_log"]["tracebacks"] or result["gunicorn_log"]["worker_timeouts"]:
            failures.append(f"gunicorn logged {result['gunicorn_log']}")

        result["writes"] = writes = lost_writes(port, dbname, client.acked)
        for key in ("statements_lost", "claims_lost", "retractions_lost", "edits_lost"):
            if writes[key]:
                failures.append(f"{key}: {writes[key][:10]}")

        check = manage(env, "check_positions", check=False)
        result["positions_check"] = (check.stdout + check.stderr).strip()
        if check.returncode:
            failures.append("positions differ from a rebuild")
    finally:
        for process in reversed(processes):
            process.stop()

    result["failures"] = failures
    report(result)
    out = ARTIFACTS / f"{result['mode']}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    log(f"Result in {out.relative_to(ROOT)}; logs in {ARTIFACTS.relative_to(ROOT)}/")
    return 1 if failures else 0


def report(result: dict) -> None:
    print()
    print(
        f"{'kind':<8} {'requests':>8} {'errors':>6} {'4xx ok':>6} {'4xx bad':>7} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    )
    for kind, k in result.get("kinds", {}).items():
        print(
            f"{kind:<8} {k['requests']:>8} {k['errors']:>6} {k['expected_4xx']:>6} "
            f"{k['unexpected_4xx']:>7} {k['p50_ms']:>8} {k['p95_ms']:>8} {k['p99_ms']:>8}"
        )
    print(
        f"total    {result.get('requests', 0):>8} {result.get('errors', 0):>6} "
        f"{result.get('expected_4xx', 0):>6} {result.get('unexpected_4xx', 0):>7}   "
        f"{result.get('throughput_rps', 0)} requests/s"
    )
    for key in (
        "outage",
        "idle_restart",
        "drain_seconds",
        "worker",
        "gunicorn_log",
        "writes",
        "positions_check",
    ):
        if key in result:
            print(f"{key}: {json.dumps(result[key], default=str)}")
    verdict = "FAILED: " + "; ".join(result["failures"]) if result["failures"] else "OK"
    print(verdict)


if __name__ == "__main__":
    if shutil.which("pg_ctlcluster") is None:
        sys.exit("scripts/loadtest.py needs Debian's PostgreSQL tools (pg_ctlcluster).")
    sys.exit(main())
