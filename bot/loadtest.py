"""Load and soak runs against the HTTP server on loopback, and the accounting that proves nothing was lost.

Requests go only to the local server AskIAM started; loops are bounded in count and time.
"""

from __future__ import annotations

import json
import resource
import statistics
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bot.bench_measure import percentile
from bot.bootstrap import Application


@dataclass
class LoadResult:
    sent: int = 0
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        latencies = self.latencies_ms

        def pick(share: float) -> float | None:
            return round(percentile(latencies, share), 1) if latencies else None

        return {"sent": self.sent, "ok": self.ok, "errors": self.errors,
                "throughput_rps": round(self.sent / self.wall_s, 1) if self.wall_s else None,
                "p50_ms": pick(0.5), "p95_ms": pick(0.95),
                "mean_ms": round(statistics.mean(latencies), 1) if latencies else None}


def _post(url: str, requester: str, text: str, timeout_s: float) -> tuple[int, dict[str, Any]]:
    body = json.dumps({"text": text}).encode()
    request = urllib.request.Request(f"{url}/chat", data=body, method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer dev:{requester}",
        "Idempotency-Key": str(uuid.uuid4())})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 - loopback only
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def run_load(url: str, work: Sequence[tuple[str, str]], concurrency: int, deadline_s: float = 600.0,
             timeout_s: float = 30.0) -> LoadResult:
    """Send every (requester, text) once, `concurrency` at a time, stopping early at the deadline."""
    if not url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        raise ValueError("load runs target the local server only")
    result = LoadResult()
    lock = threading.Lock()
    stop_at = time.monotonic() + deadline_s

    def one(item: tuple[str, str]) -> None:
        if time.monotonic() > stop_at:
            return
        started = time.perf_counter()
        try:
            status, payload = _post(url, item[0], item[1], timeout_s)
        except OSError as exc:
            status, payload = 0, {"error": {"code": type(exc).__name__}}
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            result.sent += 1
            result.latencies_ms.append(elapsed)
            if status == 200:
                result.ok += 1
                result.request_ids.append(payload["request_id"])
            else:
                code = f"{status}:{payload.get('error', {}).get('code', '?')}"
                result.errors[code] = result.errors.get(code, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, work))
    result.wall_s = time.perf_counter() - started
    return result


def account(app: Application, result: LoadResult, since_seq: int) -> dict[str, Any]:
    """Every answered request has exactly one request row and one audit record; the chain verifies."""
    from validators.audit import verify  # noqa: PLC0415

    with app.database.connection() as conn:
        rows = conn.execute(
            "SELECT request_id, count(*) AS n FROM audit_log WHERE seq > %s AND event_type = 'access_request.decided' "
            "GROUP BY request_id", (since_seq,)).fetchall()
        stored = conn.execute("SELECT count(*) AS n FROM requests WHERE request_id = ANY(%s)",
                              (result.request_ids,)).fetchone()
    audited = {row["request_id"]: row["n"] for row in rows}
    report = verify(app.database)
    unique_ids = set(result.request_ids)
    return {
        "answered": result.ok,
        "distinct_request_ids": len(unique_ids),
        "stored_requests": int(stored["n"]) if stored else 0,
        "audit_records_for_them": sum(audited.get(request_id, 0) for request_id in unique_ids),
        "audit_records_total": sum(audited.values()),
        "lost": len(unique_ids - set(audited)),
        "chain_ok": report.ok,
        "chain_records": report.records,
    }


def rss_mb() -> float:
    """The process's resident memory now (Linux /proc), falling back to the peak."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[1])
        return round(pages * resource.getpagesize() / 2**20, 1)
    except OSError:
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
