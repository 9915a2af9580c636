"""Twenty reviewers screening at once against the web app: latency and lost decisions.

Run: ``.venv/bin/python benchmarks/bench_web.py [--records 3000] [--reviewers 20]
[--seconds 30] [--max-decisions 400] [--runs 3]``.

Each run builds a temporary review project (``init_project``) with ``--records``
synthetic records and a protocol that lists an owner and ``--reviewers``
reviewers (two per record, ``screening.reviewers_per_record = 2``), creates
their accounts, and starts the app (:func:`metareview.web.create_app` under
uvicorn, as ``metareview serve`` does) in a separate process on 127.0.0.1.
The owner assigns the reviewers to title and abstract screening through the
People page; then every reviewer, in its own thread with its own session,
logs in through the login form and records decisions through the endpoints
the screening page's keyboard uses (``GET /api/screen/ta/next``, ``POST
/api/screen/ta/decide`` with the CSRF header), for ``--seconds`` or
``--max-decisions`` each, whichever comes first.

At the end the server is killed with SIGKILL while the reviewers are still
sending: a decision the server acknowledged (HTTP 200 with its event id) must
be in ``review.db`` all the same. The table gives, per run, the latency of
the decisions (p50, p95, p99, in ms), of the next-record requests, the
decisions acknowledged, found in the database, lost (acknowledged but not
found: must be 0), taken (refused with 400 because two other reviewers
decided the record between the reviewer's next and decide requests, as the
page then says), errors (any other answer than 200, before the kill) and
requests cut by the kill; then the median of the runs. Target: p95 < 50 ms.

A reviewer reads for ``--think`` seconds on average (uniform between half and
one and a half times it) between decisions: 1 s by default, already ten times
faster than people screen abstracts; ``--think 0`` measures the server
saturated by 20 clients that never pause.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

from metareview.review.intake import import_files
from metareview.review.project import init_project
from metareview.web import create_app
from metareview.web.auth import accept_invitation, create_invitation

PASSWORD = "bench password 2024"
OWNER = "Owner"
HOST = "127.0.0.1"
WORDS = (
    "depression anxiety stigma help seeking intention attitude students adults "
    "telephone online brief contact video peer mental health literacy primary "
    "care school university workplace veterans elderly adolescents community"
).split()


def _reviewers(n: int) -> list[str]:
    return [f"Reviewer {i:02d}" for i in range(1, n + 1)]


def _protocol(text: str, reviewers: list[str]) -> str:
    """The template's protocol with an owner and ``reviewers`` (two per record)."""
    text = re.sub(r'\[\[reviewers\]\]\nname = "[^"]*"\nrole = "[^"]*"\n+', "", text)
    text = re.sub(r"resolved_by = \[[^\]]*\]\n", "", text)
    people = [f'[[reviewers]]\nname = "{OWNER}"\nrole = "owner"\n']
    people += [f'[[reviewers]]\nname = "{r}"\nrole = "reviewer"\n' for r in reviewers]
    return text + "\n" + "\n".join(people)


def _ris(n: int, rng: np.random.Generator) -> str:
    out = []
    for i in range(n):
        words = " ".join(rng.choice(WORDS, size=8))
        out.append(
            f"TY  - JOUR\nTI  - Trial {i}: {words}\nAB  - {words} {words}\n"
            f"AU  - Author{i}, A\nPY  - {2000 + i % 24}\nJO  - Journal {i % 50}\n"
            "ER  -\n"
        )
    return "\n".join(out)


def build(folder: Path, records: int, reviewers: list[str]) -> None:
    """Make the project: protocol, records, accounts (owner and reviewers)."""
    init_project(folder)
    toml = folder / "review.toml"
    toml.write_text(_protocol(toml.read_text(encoding="utf-8"), reviewers))
    ris = folder.parent / "records.ris"
    ris.write_text(_ris(records, np.random.default_rng(1)), encoding="utf-8")
    import_files(folder, [ris], database="PubMed")
    app = create_app(folder)
    review = app.state.review
    for name in [OWNER, *reviewers]:
        with review.store() as store:
            token = create_invitation(store, review.protocol(), name, OWNER)
        accept_invitation(review, token, PASSWORD, PASSWORD)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start uvicorn on the app in its own process; return it and its URL."""
    port = _free_port()
    code = (
        "import sys, uvicorn; from metareview.web import create_app; "
        "uvicorn.run(create_app(sys.argv[1]), host=sys.argv[2], "
        "port=int(sys.argv[3]), log_level='warning')"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(folder), HOST, str(port)])
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{url}/login", timeout=1)
            return proc, url
        except httpx.TransportError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("the server did not start") from None
            time.sleep(0.1)


def log_in(client: httpx.Client, name: str) -> str:
    """Log in through the login form; return the session's CSRF token."""
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    form = {"name": name, "password": PASSWORD, "csrf_token": token.group(1)}
    response = client.post("/login", data=form)
    if response.status_code != 303:
        raise RuntimeError(f"login of {name} failed: {response.status_code}")
    home = client.get("/").text
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', home)
    assert meta is not None
    return meta.group(1)


def assign(url: str, reviewers: list[str]) -> None:
    """The owner assigns every reviewer to title and abstract (People page)."""
    with httpx.Client(base_url=url, timeout=30) as owner:
        csrf = log_in(owner, OWNER)
        for name in reviewers:
            form = {
                "csrf_token": csrf,
                "reviewer": name,
                "stage": "title_abstract",
                "active": "1",
            }
            response = owner.post("/people/assign", data=form)
            if response.status_code != 303:
                raise RuntimeError(f"assigning {name}: {response.status_code}")


@dataclass
class Tally:
    """What the reviewers saw (shared between threads, under a lock)."""

    decide_ms: list[float] = field(default_factory=list)
    next_ms: list[float] = field(default_factory=list)
    acked: list[tuple[int, str, int, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cut: int = 0
    taken: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def reviewer(
    url: str,
    name: str,
    ready: threading.Barrier,
    stop: threading.Event,
    limit: int,
    tally: Tally,
    seed: int,
    think: float,
) -> None:
    """Log in, then take the next record and decide it until told to stop."""
    rng = np.random.default_rng(seed)
    # a browser drops an idle connection before the server does (uvicorn: 5 s)
    limits = httpx.Limits(keepalive_expiry=2.0)
    with httpx.Client(base_url=url, timeout=30, limits=limits) as client:
        csrf = log_in(client, name)
        ready.wait()
        done = 0
        try:
            while not stop.is_set() and done < limit:
                t0 = time.perf_counter()
                nxt = client.get("/api/screen/ta/next")
                t1 = time.perf_counter()
                if nxt.status_code != 200:
                    with tally.lock:
                        tally.errors.append(f"next {nxt.status_code}")
                    continue
                record = nxt.json()["record"]
                if record is None:
                    break
                decision = str(rng.choice(["include", "exclude", "maybe"]))
                body = {"record_id": record["id"], "decision": decision}
                t2 = time.perf_counter()
                res = client.post(
                    "/api/screen/ta/decide", json=body, headers={"x-csrf-token": csrf}
                )
                t3 = time.perf_counter()
                with tally.lock:
                    tally.next_ms.append((t1 - t0) * 1000)
                    if res.status_code == 200:
                        tally.decide_ms.append((t3 - t2) * 1000)
                        event = int(res.json()["event"])
                        tally.acked.append((event, name, int(record["id"]), decision))
                        done += 1
                    elif res.status_code == 400 and "already has" in res.text:
                        tally.taken += 1  # two others decided it meanwhile
                    elif not stop.is_set():
                        tally.errors.append(f"decide {res.status_code}: {res.text}")
                if think:
                    stop.wait(float(rng.uniform(0.5, 1.5)) * think)
        except httpx.TransportError as exc:
            with tally.lock:
                if stop.is_set():
                    tally.cut += 1  # the server was killed under this request
                else:
                    tally.errors.append(f"{type(exc).__name__} before the kill: {exc}")


def verify(folder: Path, acked: list[tuple[int, str, int, str]]) -> tuple[int, int]:
    """Return (decisions in review.db, acknowledged decisions not found there)."""
    conn = sqlite3.connect(folder / "review.db")
    try:
        rows = conn.execute(
            "SELECT id, reviewer, record_id, decision FROM screening_events"
            " WHERE kind = 'decision'"
        ).fetchall()
    finally:
        conn.close()
    stored = {int(r[0]): (r[1], int(r[2]), r[3]) for r in rows}
    lost = sum(1 for e, *rest in acked if stored.get(e) != tuple(rest))
    return len(stored), lost


def run_once(args: argparse.Namespace, seed: int) -> dict[str, float]:
    """One run: build, serve, screen concurrently, kill, count."""
    names = _reviewers(args.reviewers)
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        folder = Path(tmp) / "review"
        build(folder, args.records, names)
        proc, url = start_server(folder)
        try:
            assign(url, names)
            tally = Tally()
            ready = threading.Barrier(len(names) + 1)
            stop = threading.Event()
            threads = [
                threading.Thread(
                    target=reviewer,
                    args=(
                        url,
                        n,
                        ready,
                        stop,
                        args.max_decisions,
                        tally,
                        seed + i,
                        args.think,
                    ),
                )
                for i, n in enumerate(names)
            ]
            for t in threads:
                t.start()
            ready.wait()
            start = time.perf_counter()
            while time.perf_counter() - start < args.seconds:
                if not any(t.is_alive() for t in threads):
                    break
                time.sleep(0.05)
            stop.set()
            elapsed = time.perf_counter() - start
            os.kill(proc.pid, signal.SIGKILL)  # mid-way: requests are in flight
            proc.wait()
            for t in threads:
                t.join(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        found, lost = verify(folder, tally.acked)
    for text in sorted(set(tally.errors))[:5]:
        print(f"  error: {text[:200]}", file=sys.stderr)
    ms = np.array(tally.decide_ms)
    nxt = np.array(tally.next_ms)
    return {
        "p50": float(np.percentile(ms, 50)),
        "p95": float(np.percentile(ms, 95)),
        "p99": float(np.percentile(ms, 99)),
        "next_p95": float(np.percentile(nxt, 95)),
        "acked": len(tally.acked),
        "found": found,
        "lost": lost,
        "errors": len(tally.errors),
        "cut": tally.cut,
        "taken": tally.taken,
        "per_s": len(tally.acked) / elapsed,
    }


COLUMNS = (
    ("p50", "p50 ms", "{:.1f}"),
    ("p95", "p95 ms", "{:.1f}"),
    ("p99", "p99 ms", "{:.1f}"),
    ("next_p95", "next p95 ms", "{:.1f}"),
    ("per_s", "decisions/s", "{:.0f}"),
    ("acked", "acknowledged", "{:.0f}"),
    ("found", "in review.db", "{:.0f}"),
    ("lost", "lost", "{:.0f}"),
    ("taken", "taken", "{:.0f}"),
    ("errors", "errors", "{:.0f}"),
    ("cut", "cut by kill", "{:.0f}"),
)


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--max-decisions", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds a reviewer reads between decisions (0: none)",
    )
    args = parser.parse_args()
    print(
        f"{args.reviewers} reviewers, {args.records} records, 2 per record, "
        f"{args.seconds:g} s or {args.max_decisions} decisions each, "
        f"{args.think:g} s reading between decisions; "
        f"server: uvicorn on {HOST}, one process"
    )
    header = ["run", *(c[1] for c in COLUMNS)]
    print(" | ".join(f"{h:>12}" for h in header))
    results = []
    for i in range(args.runs):
        res = run_once(args, seed=1000 * i)
        results.append(res)
        cells = [str(i + 1), *(fmt.format(res[k]) for k, _, fmt in COLUMNS)]
        print(" | ".join(f"{c:>12}" for c in cells), flush=True)
    med = {k: statistics.median(r[k] for r in results) for k, _, _ in COLUMNS}
    cells = ["median", *(fmt.format(med[k]) for k, _, fmt in COLUMNS)]
    print(" | ".join(f"{c:>12}" for c in cells))
    verdict = "met" if med["p95"] < 50 else "NOT met"
    lost = sum(r["lost"] for r in results)
    print(f"target p95 < 50 ms: {verdict}; decisions lost: {lost}")


if __name__ == "__main__":
    main()
