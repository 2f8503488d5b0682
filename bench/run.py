"""`make bench`: server time of the hot pages and endpoints at 100k and 1M statements.

For each scale this script makes sure a database of synthetic data exists
(parley_bench_100k, parley_bench_1m: created, migrated and filled by
`generate_synthetic` when missing), then, in a child process on that database:

- times each endpoint in-process with Django's test client (production
  settings, warm, many iterations): the median and the 95th percentile;
- times its *limit*: the same rows fetched with one hand-written SQL query and
  serialised with orjson, in the same process;
- times a trivial Django view, the framework's floor;

and finally measures requests per second for each endpoint with wrk against
gunicorn. The table goes to stdout and into BENCHMARKS.md between markers.

Then it times the bulk import at its limit, 5,000 rows (about 5 MB), dry run and
commit, on a database made afresh with the demo negotiation (parley_bench_import;
bench/importing.py).

    .venv/bin/python bench/run.py [--scales 100k,1m] [--quick] [--import-only]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
# name: (statements, negotiations). 100k and 1m grow the way a database of
# negotiations grows, by more negotiations of about 10,000 statements each;
# 1m-dense puts 100,000 statements in each of 10 negotiations, the stress case
# for everything that reads one negotiation's rows.
SCALES = {"100k": (100_000, 10), "1m": (1_000_000, 100), "1m-dense": (1_000_000, 10)}
ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_HSTS_SECONDS": "0",
    "API_ANON_RATE": "1000000000/second",
    "LOG_LEVEL": "WARNING",
    "DJANGO_SETTINGS_MODULE": "bench.settings",
}


# The bulk import is timed on its own database, made afresh on every run.
IMPORT = "import"


def database_name(scale: str) -> str:
    return "parley_bench_" + scale.replace("-", "_")


def database_url(scale: str) -> str:
    return f"{PG}/{database_name(scale)}"


def run(args: list[str], scale: str, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, **ENV, "DATABASE_URL": database_url(scale)}
    return subprocess.run(args, cwd=ROOT, env=env, check=True, **kwargs)


def ensure_database(scale: str) -> None:
    """Create, migrate and fill the scale's database unless it already holds the data."""
    import psycopg

    name = database_name(scale)
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    run([PYTHON, "manage.py", "migrate", "--no-input", "-v0"], scale)
    with psycopg.connect(database_url(scale)) as conn:
        (count,) = conn.execute("SELECT count(*) FROM negotiations_statement").fetchone()
    statements, negotiations = SCALES[scale]
    if count == 0:
        print(f"[{scale}] generating {statements} statements…", flush=True)
        started = time.monotonic()
        run(
            [
                PYTHON,
                "manage.py",
                "generate_synthetic",
                f"--negotiations={negotiations}",
                f"--statements={statements}",
            ],
            scale,
        )
        print(f"[{scale}] generated in {time.monotonic() - started:.0f} s", flush=True)
    elif count != statements:
        sys.exit(f"{name} holds {count} statements, not {statements}: drop it and run again.")


# In the child process -------------------------------------------------------------


def _time(fn, budget: float, least: int = 15, most: int = 400) -> list[float]:
    for _ in range(3):
        fn()
    samples: list[float] = []
    deadline = time.perf_counter() + budget
    while len(samples) < most and (len(samples) < least or time.perf_counter() < deadline):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def measure(scale: str, budget: float) -> dict:
    import django

    django.setup()
    import orjson
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from bench import cases

    client = Client()
    results = {}
    floor_samples = _time(lambda: client.get("/bench/trivial/"), budget)
    floor = statistics.median(floor_samples)
    for case in cases.build():
        response = client.get(case.url)
        if response.status_code != 200:
            raise SystemExit(f"{case.name}: {case.url} answered {response.status_code}")
        server = _time(lambda case=case: client.get(case.url), budget)

        def limit(case=case):
            with connection.cursor() as cursor:
                cursor.execute(case.sql, case.params)
                columns = [c.name for c in cursor.description]
                rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
            return orjson.dumps(rows, default=str)

        limit_samples = _time(limit, budget)

        def cold(case=case):
            cache.clear()
            client.get(case.url)

        cold_samples = _time(cold, budget / 2, least=7)
        results[case.name] = {
            "url": case.url,
            "p50": statistics.median(server),
            "p95": statistics.quantiles(server, n=20)[-1],
            "limit": statistics.median(limit_samples),
            "cold": statistics.median(cold_samples),
            "floor": floor,
            "n": len(server),
        }
    return results


def fresh_import_database() -> None:
    """Create parley_bench_import anew, migrated, with the demo negotiation."""
    import psycopg

    name = database_name(IMPORT)
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    run([PYTHON, "manage.py", "migrate", "--no-input", "-v0"], IMPORT)
    run([PYTHON, "manage.py", "load_demo", "-v0"], IMPORT)


def measure_import() -> dict:
    import django

    django.setup()
    from bench import importing

    return importing.measure_import()


# wrk against gunicorn --------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def requests_per_second(scale: str, urls: dict[str, str], seconds: int) -> dict[str, float]:
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed (apt-get install wrk): no requests per second.")
        return {}
    port = _free_port()
    env = {**os.environ, **ENV, "DATABASE_URL": database_url(scale)}
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "--workers=2",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
            "config.wsgi",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        found = {}
        for name, url in urls.items():
            target = f"http://127.0.0.1:{port}{url}"
            subprocess.run([wrk, "-t1", "-c2", "-d1s", target], capture_output=True, check=True)
            out = subprocess.run(
                [wrk, "-t2", "-c4", f"-d{seconds}s", target],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            match = re.search(r"Requests/sec:\s+([\d.]+)", out)
            errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            if errors:
                raise SystemExit(f"wrk {name}: {errors.group(1)} error responses\n{out}")
            found[name] = float(match.group(1)) if match else float("nan")
        return found
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


# The report ------------------------------------------------------------------------

MARK_START = "<!-- bench:{scale}:start -->"
MARK_END = "<!-- bench:{scale}:end -->"


def table(results: dict, rps: dict[str, float]) -> str:
    lines = [
        "| endpoint | p50 ms | p95 ms | p50 cold cache | raw SQL + orjson ms | × limit "
        "| × floor | req/s (wrk) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    floor = None
    for name, r in results.items():
        floor = r["floor"]
        lines.append(
            f"| {name} | {r['p50']:.1f} | {r['p95']:.1f} | {r['cold']:.1f} | {r['limit']:.2f} | "
            f"{r['p50'] / r['limit']:.1f} | {r['p50'] / r['floor']:.1f} | "
            f"{rps.get(name, float('nan')):.0f} |"
        )
    if floor is not None:
        lines.append(
            f"| trivial Django view (floor) | {floor:.2f} | | | | | 1.0 | "
            f"{rps.get('floor', float('nan')):.0f} |"
        )
    return "\n".join(lines)


def import_table(r: dict) -> str:
    return "\n".join(
        [
            "| file | dry run s | commit s | statements | claims | positions after |",
            "|---|---:|---:|---:|---:|---:|",
            f"| {r['rows']:,} rows, {r['bytes'] / 1_000_000:.1f} MB | {r['dry_run']:.1f} | "
            f"{r['commit']:.1f} | {r['statements']:,} | {r['claims']:,} | {r['positions']:,} |",
        ]
    )


def write_section(scale: str, text: str) -> None:
    path = ROOT / "BENCHMARKS.md"
    content = path.read_text() if path.exists() else "# Benchmarks\n"
    start, end = MARK_START.format(scale=scale), MARK_END.format(scale=scale)
    block = f"{start}\n{text}\n{end}"
    if start in content:
        content = re.sub(
            re.escape(start) + r".*?" + re.escape(end), lambda _: block, content, flags=re.S
        )
    else:
        content = content.rstrip() + f"\n\n### {scale} statements\n\n{block}\n"
    path.write_text(content)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="100k,1m,1m-dense")
    parser.add_argument("--quick", action="store_true", help="Shorter timings, no wrk.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--budget", type=float, default=1.5, help="Seconds per timing.")
    parser.add_argument("--wrk-seconds", type=int, default=5)
    parser.add_argument("--import-only", action="store_true", help="Only time the bulk import.")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child == IMPORT:
        print(json.dumps(measure_import()))
        return
    if args.child:
        print(json.dumps(measure(args.child, args.budget)))
        return
    budget = 0.3 if args.quick else args.budget
    run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], "100k")
    for scale in [] if args.import_only else args.scales.split(","):
        ensure_database(scale)
        out = run(
            [PYTHON, str(Path(__file__).resolve()), f"--child={scale}", f"--budget={budget}"],
            scale,
            capture_output=True,
            text=True,
        ).stdout
        results = json.loads(out.strip().splitlines()[-1])
        rps = {}
        if not args.quick:
            urls = {name: r["url"] for name, r in results.items()} | {"floor": "/bench/trivial/"}
            rps = requests_per_second(scale, urls, args.wrk_seconds)
        text = table(results, rps)
        print(f"\n{scale} statements\n{text}\n", flush=True)
        if not args.quick:
            write_section(scale, text)
    fresh_import_database()
    out = run(
        [PYTHON, str(Path(__file__).resolve()), f"--child={IMPORT}"],
        IMPORT,
        capture_output=True,
        text=True,
    ).stdout
    text = import_table(json.loads(out.strip().splitlines()[-1]))
    print(f"\nbulk import\n{text}\n", flush=True)
    if not args.quick:
        write_section(IMPORT, text)


if __name__ == "__main__":
    main()
