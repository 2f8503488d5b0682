"""What scripts/loadtest.py checks: latencies, the outage, the worker's drain, lost writes."""

from __future__ import annotations

import time
from collections import Counter, defaultdict

import psycopg
import redis
from load_services import BROKER_DB, HOST
from load_traffic import Acknowledged, Record

# After PostgreSQL is back, requests must succeed again within this many seconds.
RECOVERY_LIMIT = 10.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] if ordered else 0.0


def classify(record: Record) -> str:
    if record.status == 0 or record.status >= 500:
        return "error"
    if record.kind == "race" and record.status == 409:
        return "expected_4xx"
    if record.status >= 400:
        return "unexpected_4xx"
    return "ok"


def wait_for_drain(timeout: float) -> float:
    """Wait until no task is queued or unacknowledged (acks_late: one that runs is unacked)."""
    broker = redis.Redis(host=HOST, port=6379, db=BROKER_DB)
    start, quiet = time.monotonic(), 0
    while quiet < 3:
        pending = broker.llen("celery") + broker.hlen("unacked")
        quiet = quiet + 1 if pending == 0 else 0
        if time.monotonic() - start > timeout:
            raise SystemExit(f"The worker did not drain in {timeout:.0f}s ({pending} pending)")
        time.sleep(0.5)
    return time.monotonic() - start


def lost_writes(port: int, dbname: str, acked: Acknowledged) -> dict[str, object]:
    with psycopg.connect(host=HOST, port=port, user="postgres", dbname=dbname) as conn:
        rows = conn.execute(
            "SELECT id, status, version FROM negotiations_statement WHERE id = ANY(%s)",
            [list(acked.statements | set(acked.versions))],
        ).fetchall()
        claims = {
            r[0]
            for r in conn.execute(
                "SELECT id FROM negotiations_claim WHERE id = ANY(%s)", [list(acked.claims)]
            )
        }
        in_db = conn.execute(
            "SELECT count(*) FROM negotiations_statement WHERE quote LIKE 'Load-test statement %%'"
        ).fetchone()[0]
    found = {pk: (status, version) for pk, status, version in rows}
    return {
        "statements_acknowledged": len(acked.statements),
        "statements_in_database": in_db,
        # Committed, but the answer was lost or a 503: not lost, though the client cannot know.
        "statements_committed_unacknowledged": in_db - len(acked.statements & set(found)),
        "statements_lost": sorted(acked.statements - set(found)),
        # A claim may be gone for a good reason only if its statement is; none are deleted here.
        "claims_acknowledged": len(acked.claims),
        "claims_lost": sorted(acked.claims - claims),
        "retractions_lost": sorted(
            pk for pk in acked.retracted if found.get(pk, ("",))[0] != "retracted"
        ),
        "edits_lost": sorted(
            pk for pk, v in acked.versions.items() if pk in found and found[pk][1] < v
        ),
    }


def summarise(records: list[Record], duration: float) -> dict[str, object]:
    by_kind: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        if record.kind != "setup":
            by_kind[record.kind].append(record)
    kinds = {}
    for kind, rows in sorted(by_kind.items()):
        classes = Counter(classify(r) for r in rows)
        latencies = [r.latency * 1000 for r in rows if r.status]
        kinds[kind] = {
            "requests": len(rows),
            "errors": classes["error"],
            "unexpected_4xx": classes["unexpected_4xx"],
            "expected_4xx": classes["expected_4xx"],
            "p50_ms": round(percentile(latencies, 0.50), 1),
            "p95_ms": round(percentile(latencies, 0.95), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1),
            "statuses": dict(sorted(Counter(r.status for r in rows).items())),
        }
    traffic = [r for rows in by_kind.values() for r in rows]
    return {
        "requests": len(traffic),
        "throughput_rps": round(len(traffic) / duration, 1),
        "errors": sum(k["errors"] for k in kinds.values()),
        "unexpected_4xx": sum(k["unexpected_4xx"] for k in kinds.values()),
        "expected_4xx": sum(k["expected_4xx"] for k in kinds.values()),
        "kinds": kinds,
    }


def outage(records: list[Record], marks: dict[str, float]) -> dict[str, object]:
    """Describe the failures around the restart, in seconds from its start.

    Each must be a 503 with Retry-After, and they must stop within RECOVERY_LIMIT
    seconds of PostgreSQL being back: a failure outside that window is an error.
    """
    begin, end = marks["restart_begin"], marks["restart_end"]
    failed = [r for r in records if classify(r) == "error"]
    inside = [r for r in failed if begin - 0.5 <= r.end <= end + RECOVERY_LIMIT]
    first = min((r.start for r in inside), default=begin)
    last = max((r.end for r in inside), default=begin)
    recovered = min(
        (r.end for r in records if r.start >= last and classify(r) == "ok"), default=None
    )
    return {
        "restart_command_seconds": round(end - begin, 2),
        "failed_requests": len(inside),
        "failed_statuses": dict(Counter(r.status for r in inside)),
        "first_failure_at": round(first - begin, 2),
        "last_failure_at": round(last - begin, 2),
        "outage_window_seconds": round(last - first, 2),
        "first_success_after_outage_at": None if recovered is None else round(recovered - begin, 2),
        "not_clean_503": [r.detail for r in inside if not (r.status == 503 and r.retry_after)][:5],
        "errors_outside_restart": len(failed) - len(inside),
    }
