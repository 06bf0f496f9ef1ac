"""How long an import takes to aggregate, index and fit the approval confidence on a large generated history.

    .venv/bin/python bench/confidence_scale.py --users 5000 --roles 400 --history 1000000

Generates an org bundle (bot.demo.generator), imports it into a scratch embedded PostgreSQL through
`Application.import_bundle` (the product path), and prints the import's timings, the model's fit metrics and the
latency of single decisions' confidence (SqlConfidenceEstimator.estimate).
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.bootstrap import build  # noqa: E402
from bot.demo.generator import OrgSize, generate_bundle  # noqa: E402
from bot.settings import Settings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--applications", type=int, default=40)
    parser.add_argument("--roles", type=int, default=400)
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("validators.db").setLevel(logging.WARNING)
    result: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="askiam-scale-") as folder, \
            tempfile.TemporaryDirectory(prefix="askiam-scale-home-") as home:
        started = time.perf_counter()
        generate_bundle(Path(folder), OrgSize(users=args.users, applications=args.applications, roles=args.roles,
                                              history=args.history, policies=10, seed=args.seed))
        result["generate_s"] = round(time.perf_counter() - started, 1)
        app = build(Settings(home=Path(home), database_url=None, vector_index="pgvector"))
        try:
            report = app.import_bundle(Path(folder))
            result["import_s"] = {key: round(value, 1) for key, value in report.seconds.items()}
            result["model"] = report.model_metrics
            result["estimate_ms"] = _estimate_latency(app, args.requests)
        finally:
            app.close()
    sys.stdout.write(json.dumps(result, indent=2) + "\n")
    return 0


def _estimate_latency(app, count: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    catalog = app.service.vocabulary().catalog
    roles = sorted(catalog.roles.values(), key=lambda role: role.role_id)
    directory = app.service.ports.directory
    with app.database.connection() as conn:
        people = [row["user_id"] for row in conn.execute(
            "SELECT user_id FROM users WHERE status = 'active' ORDER BY user_id LIMIT %s", (count,)).fetchall()]
    estimator = app.service.ports.confidence
    timings = []
    for number, user_id in enumerate(people):
        person = directory.get_person(user_id)
        role = roles[(number * 7) % len(roles)]
        started = time.perf_counter()
        estimator.estimate(person, role)
        timings.append((time.perf_counter() - started) * 1000)
    timings = timings[5:]  # the first calls load the model
    return {"p50": round(statistics.median(timings), 2), "p95": round(sorted(timings)[int(0.95 * len(timings))], 2)}


if __name__ == "__main__":
    sys.exit(main())
