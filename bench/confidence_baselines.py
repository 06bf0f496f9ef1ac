"""Baselines for the approval confidence, on the very split `askiam confidence evaluate` uses.

    .venv/bin/pip install scikit-learn        # for this script only; not a dependency of AskIAM
    .venv/bin/python bench/confidence_baselines.py --data ../shared/datasets/amazon-employee-access/train.csv \
        --seeds 0 1 2 3 4

For each seed: a logistic regression on one-hot attributes and the resource, one on every pairwise cross of the
columns as well (the usual strong linear baselines of this data), and AskIAM's own figures through its scoring
path (a scratch embedded PostgreSQL per run). Each model is fitted on the history part and scored on the
held-out part of the same stratified split; ROC AUC, expected calibration error and the share of approved
requests auto-approved at thresholds letting through at most 1% and 5% of the denied ones.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from validators.confidence_evaluation import Metrics, measure, stratified_split  # noqa: E402

log = logging.getLogger("bench.confidence_baselines")


def _read(path: Path, label_column: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [row for row in reader if row]
    label = header.index(label_column)
    labels = np.array([row[label].strip() in {"1", "true", "approved"} for row in rows])
    columns = [name for i, name in enumerate(header) if i != label]
    cells = np.array([[row[i] for i in range(len(header)) if i != label] for row in rows], dtype=object)
    return columns, cells, labels


def _logistic(cells: np.ndarray, labels: np.ndarray, test: np.ndarray, crosses: bool, c: float) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 - optional, for this script only
    from sklearn.preprocessing import OneHotEncoder  # noqa: PLC0415

    columns = [cells[:, i].astype(str) for i in range(cells.shape[1])]
    if crosses:
        columns += [np.char.add(np.char.add(a, "|"), b) for a, b in itertools.combinations(columns, 2)]
    matrix = np.column_stack(columns)
    encoder = OneHotEncoder(handle_unknown="ignore")
    train = encoder.fit_transform(matrix[~test])
    model = LogisticRegression(C=c, max_iter=5000).fit(train, labels[~test])
    scores: np.ndarray = model.predict_proba(encoder.transform(matrix[test]))[:, 1]
    return scores


def _row(name: str, metrics: Metrics, seconds: float) -> dict[str, object]:
    points = {f"approved_at_{round(p.max_denied_share * 100)}pct_denied": round(p.approved_share, 4)
              for p in metrics.operating_points}
    return {"model": name, "auc": round(metrics.auc, 4), "ece": round(metrics.ece, 4), **points,
            "seconds": round(seconds, 1)}


def _askiam(data: Path, seed: int, test_share: float) -> dict[str, object]:
    from bot.bootstrap import build  # noqa: PLC0415
    from bot.cli.confidence import evaluate_file  # noqa: PLC0415
    from bot.settings import Settings  # noqa: PLC0415

    app = build(Settings())
    try:
        started = time.perf_counter()
        report = evaluate_file(app, data, test_share=test_share, seed=seed)
        elapsed = time.perf_counter() - started
    finally:
        app.close()
    points = {f"approved_at_{round(p['max_denied_share'] * 100)}pct_denied": round(p["approved_share"], 4)
              for p in report["auto_approval"]}
    return {"model": "AskIAM (boosted trees over history evidence, isotonic)", "auc": round(report["auc"], 4),
            "ece": round(report["ece"], 4), **points, "seconds": round(elapsed, 1),
            "fit_s": report["seconds"]["fit"], "score_s": report["seconds"]["score"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--label-column", default="ACTION")
    parser.add_argument("--test-share", type=float, default=0.2)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--skip-askiam", action="store_true", help="baselines only")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    columns, cells, labels = _read(args.data, args.label_column)
    results: list[dict[str, object]] = []
    for seed in args.seeds:
        test = stratified_split(labels, args.test_share, seed)
        for name, crosses, c in (("logistic, one-hot", False, 1.0), ("logistic, one-hot + pairwise crosses", True,
                                                                      0.5)):
            started = time.perf_counter()
            scores = _logistic(cells, labels, test, crosses, c)
            results.append({"seed": seed, **_row(name, measure(labels[test], scores),
                                                  time.perf_counter() - started)})
        if not args.skip_askiam:
            results.append({"seed": seed, **_askiam(args.data, seed, args.test_share)})
    if args.json:
        sys.stdout.write(json.dumps(results) + "\n")
        return 0
    names = list(dict.fromkeys(str(r["model"]) for r in results))
    sys.stdout.write(f"{'seed':>4}  {'model':<58}{'AUC':>8}{'ECE':>8}{'@1% den':>9}{'@5% den':>9}{'s':>7}\n")
    for r in results:
        sys.stdout.write(f"{r['seed']:>4}  {r['model']!s:<58}{r['auc']:>8.4f}{r['ece']:>8.4f}"
                         f"{r['approved_at_1pct_denied']:>9.3f}{r['approved_at_5pct_denied']:>9.3f}"
                         f"{r['seconds']:>7}\n")
    if len(args.seeds) > 1:
        sys.stdout.write("\nmean over seeds\n")
        for name in names:
            mine = [r for r in results if r["model"] == name]
            sys.stdout.write(f"      {name:<58}" + "".join(
                f"{np.mean([float(r[key]) for r in mine]):>8.4f}"  # type: ignore[arg-type]
                for key in ("auc", "ece")) + "".join(
                f"{np.mean([float(r[key]) for r in mine]):>9.3f}"  # type: ignore[arg-type]
                for key in ("approved_at_1pct_denied", "approved_at_5pct_denied")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
