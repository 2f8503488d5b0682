"""Traffic for scripts/loadtest.py: a client that records every answer, and the clients' loops."""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field

from load_services import FAULTS_CLUSTER, HOST, log, pg_ctl

NEGOTIATION = "gaza-2024"


# HTTP -------------------------------------------------------------------------


@dataclass
class Record:
    kind: str
    start: float
    end: float
    status: int  # 0: no HTTP answer (refused, reset, timed out)
    detail: str = ""
    retry_after: bool = False

    @property
    def latency(self) -> float:
        return self.end - self.start


@dataclass
class Acknowledged:
    statements: set[int] = field(default_factory=set)
    claims: set[int] = field(default_factory=set)
    retracted: set[int] = field(default_factory=set)
    versions: dict[int, int] = field(default_factory=dict)


class Client:
    def __init__(self, port: int, token: str, t0: float) -> None:
        self.port, self.token, self.t0 = port, token, t0
        self.records: list[Record] = []
        self.acked = Acknowledged()
        self.lock = threading.Lock()

    def call(self, kind: str, method: str, path: str, body=None, auth: bool = False):
        headers = {"Accept": "text/html" if kind == "page" else "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = f"Token {self.token}"
        start = time.monotonic()
        status, data, detail, retry_after = 0, None, "", False
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            conn.request(method, path, json.dumps(body) if body is not None else None, headers)
            response = conn.getresponse()
            status, raw = response.status, response.read()
            if response.getheader("Content-Type", "").startswith("application/json") and raw:
                data = json.loads(raw)
            retry_after = response.getheader("Retry-After") is not None
            if status >= 400:
                detail = f"{method} {path}: {status} {raw[:300]!r}"
        except (OSError, http.client.HTTPException) as error:
            detail = f"{method} {path}: {type(error).__name__}: {error}"
        finally:
            conn.close()
        end = time.monotonic() - self.t0
        record = Record(kind, start - self.t0, end, status, detail, retry_after)
        with self.lock:
            self.records.append(record)
        return status, data


@dataclass
class Catalogue:
    """What the traffic reads and writes about, read from the API once."""

    issues: list[tuple[int, str]]
    proposals: list[str]
    sources: list[tuple[int, str]]  # (id, published)
    read_paths: list[tuple[str, str]]  # (kind, path)

    @classmethod
    def load(cls, client: Client) -> Catalogue:
        base = f"/api/v1/negotiations/{NEGOTIATION}"
        _, issues = client.call("setup", "GET", f"{base}/issues/?page_size=500")
        _, proposals = client.call("setup", "GET", f"{base}/proposals/?page_size=500")
        _, sources = client.call("setup", "GET", "/api/v1/sources/?page_size=500")
        _, statements = client.call("setup", "GET", "/api/v1/statements/")
        issues = [(i["id"], i["slug"]) for i in issues["results"]]
        proposals = [p["slug"] for p in proposals["results"]]
        sources = [(s["id"], s["published"]) for s in sources["results"] if s["published"]]
        page = f"/n/{NEGOTIATION}"
        paths = [
            ("page", f"{page}/"),
            ("page", f"{page}/timeline/"),
            ("page", f"{page}/matrix/"),
            ("page", f"{page}/timeline/?stance=rejects"),
            ("page", "/actors/hamas/"),
        ]
        paths += [("page", f"{page}/issues/{slug}/") for _, slug in issues]
        paths += [("page", f"{page}/proposals/{slug}/") for slug in proposals[:3]]
        paths += [("api", f"/api/v1/statements/?issue={pk}") for pk, _ in issues]
        paths += [("api", f"/api/v1/statements/{s['id']}/") for s in statements["results"][:10]]
        paths += [
            ("api", f"{base}/positions/"),
            ("api", f"{base}/matrix/"),
            ("api", f"{base}/changes/"),
            ("api", "/api/v1/statements/?ordering=-date"),
            ("api", "/api/v1/claims/"),
            ("api", f"/api/v1/negotiations/{NEGOTIATION}/"),
        ]
        return cls(issues, proposals, sources, paths)


# Traffic ------------------------------------------------------------------------

SIDES = ["israel", "hamas", "egypt", "qatar", "united-states"]
STANCES = ["rejects", "resists", "ambiguous", "conditional", "accepts"]
BASES = ["own", "own", "own", "attributed", "reported"]


def claim_body(rng: random.Random, catalogue: Catalogue, speaker: str) -> dict:
    return {
        "subject": speaker if rng.random() < 0.7 else rng.choice(SIDES),
        "stance": rng.choice(STANCES),
        "basis": rng.choice(BASES),
        "target_type": "issue",
        "target_id": rng.choice(catalogue.issues)[0],
    }


def create_statement(client: Client, rng: random.Random, catalogue: Catalogue) -> int | None:
    speaker = rng.choice(SIDES)
    source, published = rng.choice(catalogue.sources)
    body = {
        "negotiation": NEGOTIATION,
        "speaker": speaker,
        "on_behalf_of": speaker,
        "date": published,
        "source": source,
        "quote": f"Load-test statement {uuid.uuid4()}",
        "quote_language": "en",
        "summary": "Written by scripts/loadtest.py.",
        "status": "published",
        "claims": [claim_body(rng, catalogue, speaker) for _ in range(rng.randint(1, 3))],
    }
    status, data = client.call("create", "POST", "/api/v1/statements/", body, auth=True)
    if status != 201:
        return None
    with client.lock:
        client.acked.statements.add(data["id"])
        client.acked.claims.update(c["id"] for c in data["claims"])
        client.acked.versions[data["id"]] = data["version"]
    return data["id"]


def read_version(client: Client, statement_id: int) -> dict | None:
    status, data = client.call("read", "GET", f"/api/v1/statements/{statement_id}/", auth=True)
    return data if status == 200 else None


def patch_statement(client: Client, kind: str, statement_id: int, changes: dict) -> int:
    status, data = client.call(
        kind, "PATCH", f"/api/v1/statements/{statement_id}/", changes, auth=True
    )
    if status == 200:
        with client.lock:
            client.acked.versions[statement_id] = max(
                client.acked.versions.get(statement_id, 0), data["version"]
            )
            if data["status"] == "retracted":
                client.acked.retracted.add(statement_id)
    return status


def writer(client: Client, catalogue: Catalogue, seed: int, deadline: float) -> None:
    """Create statements and edit them: PATCH with the version read, claims, retractions."""
    rng, mine = random.Random(seed), []
    while time.monotonic() < deadline:
        created = create_statement(client, rng, catalogue)
        if created:
            mine.append(created)
        if not mine:
            time.sleep(0.2)  # e.g. the database is restarting
            continue
        target = rng.choice(mine)
        current = read_version(client, target)
        if current is None:
            continue
        roll = rng.random()
        if roll < 0.45:
            patch_statement(
                client,
                "patch",
                target,
                {"summary": f"Edited {uuid.uuid4()}", "version": current["version"]},
            )
        elif roll < 0.85:
            if current["claims"] and rng.random() < 0.5:
                claim = rng.choice(current["claims"])
                status, _ = client.call(
                    "claim",
                    "PATCH",
                    f"/api/v1/claims/{claim['id']}/",
                    {"stance": rng.choice(STANCES), "version": current["version"]},
                    auth=True,
                )
            else:
                body = {
                    "statement": target,
                    "version": current["version"],
                    **claim_body(rng, catalogue, current["speaker"]),
                }
                status, data = client.call("claim", "POST", "/api/v1/claims/", body, auth=True)
                if status == 201:
                    with client.lock:
                        client.acked.claims.add(data["id"])
        else:
            status = patch_statement(
                client,
                "retract",
                target,
                {
                    "status": "retracted",
                    "retraction_reason": "Load test: misattributed.",
                    "version": current["version"],
                },
            )
            if status == 200:
                mine.remove(target)


def racer(
    client: Client, catalogue: Catalogue, seed: int, deadline: float, lost_updates: list[int]
) -> None:
    """Send two PATCHes from the same version at once: one must win, the other get a 409."""
    rng = random.Random(seed)
    while time.monotonic() < deadline:
        target = create_statement(client, rng, catalogue)
        current = read_version(client, target) if target else None
        if current is None:
            time.sleep(0.2)
            continue
        barrier, statuses = threading.Barrier(2), []

        def one(n: int, target=target, current=current, barrier=barrier, statuses=statuses):
            barrier.wait()
            statuses.append(
                patch_statement(
                    client, "race", target, {"summary": f"Racer {n}", "version": current["version"]}
                )
            )

        pair = [threading.Thread(target=one, args=(n,)) for n in (1, 2)]
        for thread in pair:
            thread.start()
        for thread in pair:
            thread.join()
        if statuses.count(200) > 1:
            lost_updates.append(target)
        time.sleep(0.1)


def reader(client: Client, catalogue: Catalogue, seed: int, deadline: float) -> None:
    rng = random.Random(seed)
    while time.monotonic() < deadline:
        kind, path = rng.choice(catalogue.read_paths)
        client.call(kind, "GET", path)


def restarter(client: Client, at: float, marks: dict[str, float]) -> None:
    time.sleep(max(0.0, at - (time.monotonic() - client.t0)))
    marks["restart_begin"] = time.monotonic() - client.t0
    log(f"Restarting PostgreSQL cluster {FAULTS_CLUSTER!r} at t={marks['restart_begin']:.1f}s")
    pg_ctl(FAULTS_CLUSTER, "restart")
    marks["restart_end"] = time.monotonic() - client.t0
    log(f"PostgreSQL is back at t={marks['restart_end']:.1f}s")


def idle_restart(client: Client, catalogue: Catalogue) -> dict[str, object]:
    """Restart PostgreSQL while nothing runs, then read and write: all must succeed at once.

    Under load every worker meets the dead connection during the outage and drops it.
    An idle one still holds it afterwards; `conn_health_checks` must replace it before use.
    """
    log("Restarting PostgreSQL again with no traffic")
    pg_ctl(FAULTS_CLUSTER, "restart")
    first = len(client.records)
    for _ in range(4):  # three at a time, so that every gunicorn worker answers some
        round_ = [
            threading.Thread(target=client.call, args=("idle", "GET", path))
            for path in ("/api/v1/statements/", f"/n/{NEGOTIATION}/", f"/n/{NEGOTIATION}/matrix/")
        ]
        for thread in round_:
            thread.start()
        for thread in round_:
            thread.join()
    created = create_statement(client, random.Random(0), catalogue)
    statuses = [r.status for r in client.records[first:]]
    return {"statuses": statuses, "statement_created": created is not None}
