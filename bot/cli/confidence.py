"""`askiam confidence score` and `askiam confidence evaluate`: the approval confidence on a flat file of past
decisions (one row per request: the role, the requester's attributes, the decision), measured through the
product's own import, statistics and scoring path, in a database of its own (never the one in use)."""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.bootstrap import Application
from bot.cli.output import EXIT_OK, out
from bot.cli.scratch import scratch_application


@dataclass(frozen=True)
class ScoringRun:
    scores: np.ndarray
    history_rows: int
    seconds: dict[str, float]
    model_metrics: dict[str, float]


def run_scoring(app: Application, history: Path, requests: Path, label_column: str, resource_column: str,
                id_column: str | None, seed: int) -> ScoringRun:
    """Import `history` as past decisions into a scratch store, then score every row of `requests`."""
    from validators.confidence_dataset import TableSpec, import_history, read_table, score_table  # noqa: PLC0415

    spec = TableSpec(label_column, resource_column, id_column)
    started = time.perf_counter()
    past = read_table(history, spec, with_labels=True)
    asked = read_table(requests, spec, with_labels=False)
    read_s = time.perf_counter() - started
    with scratch_application(app, "confidence", vector_index="pgvector", embedding_model="minilm",
                             migrate_on_start=True) as scratch:
        started = time.perf_counter()
        scratch.database.open()  # starting the server and migrating is not part of the import
        startup_s = time.perf_counter() - started
        timings = import_history(scratch.database, scratch.history_index, past, seed)
        started = time.perf_counter()
        scores = score_table(scratch.database, asked)
        score_s = time.perf_counter() - started
    seconds = {"read": read_s, "start_database": startup_s, "load_history": timings.load_s,
               "index_history": timings.index_s, "statistics": timings.stats_s, "fit": timings.fit_s,
               "score": score_s}
    return ScoringRun(scores, len(past), {k: round(v, 3) for k, v in seconds.items()}, timings.model_metrics)


def cmd_confidence_score(app: Application, args: argparse.Namespace) -> int:
    from validators.confidence_dataset import write_scores  # noqa: PLC0415

    run = run_scoring(app, Path(args.history), Path(args.requests), args.label_column, args.resource_column,
                      args.id_column, args.seed)
    write_scores(Path(args.out), run.scores)
    seconds = run.seconds
    out(f"scored {len(run.scores)} requests against {run.history_rows} past decisions -> {args.out} "
         f"(import {seconds['load_history'] + seconds['index_history'] + seconds['statistics']:.1f} s, "
         f"fit {seconds['fit']:.1f} s, scoring {seconds['score']:.2f} s)")
    return EXIT_OK


def _write_split(folder: Path, data: Path, test: np.ndarray, label_column: str) -> tuple[Path, Path]:
    """The rows of `data` as a history file and a request file without the label column."""
    history, requests = folder / "history.csv", folder / "requests.csv"
    with data.open(newline="", encoding="utf-8") as source, history.open("w", newline="", encoding="utf-8") as h, \
            requests.open("w", newline="", encoding="utf-8") as r:
        reader = csv.reader(source)
        header = [name.strip() for name in next(reader)]
        label = header.index(label_column)
        history_out, request_out = csv.writer(h), csv.writer(r)
        history_out.writerow(header)
        request_out.writerow(header[:label] + header[label + 1 :])
        number = 0
        for cells in reader:
            if not cells or not any(cell.strip() for cell in cells):
                continue  # as read_table does: blank lines are not rows
            if test[number]:
                request_out.writerow(cells[:label] + cells[label + 1 :])
            else:
                history_out.writerow(cells)
            number += 1
    return history, requests


def evaluate_file(app: Application, data: Path, *, test_share: float, seed: int, label_column: str = "ACTION",
                  resource_column: str = "RESOURCE", id_column: str | None = None,
                  plot: Path | None = None) -> dict[str, Any]:
    """Split `data` (stratified), score the held-out part through `run_scoring`, measure; a JSON-ready report."""
    from validators.confidence_dataset import TableSpec, read_table  # noqa: PLC0415
    from validators.confidence_evaluation import measure, stratified_split  # noqa: PLC0415
    from validators.confidence_plot import write_reliability_png  # noqa: PLC0415

    table = read_table(data, TableSpec(label_column, resource_column, id_column), with_labels=True)
    assert table.labels is not None
    labels = np.array(table.labels, dtype=bool)
    test = stratified_split(labels, test_share, seed)
    with tempfile.TemporaryDirectory(prefix="askiam-confidence-split-") as folder:
        history, requests = _write_split(Path(folder), data, test, label_column)
        run = run_scoring(app, history, requests, label_column, resource_column, id_column, seed)
    metrics = measure(labels[test], run.scores)
    report: dict[str, Any] = {"data": str(data), "seed": seed, "test_share": test_share,
                              "history_rows": int((~test).sum()), "test_rows": int(test.sum()),
                              **metrics.as_dict(), "seconds": run.seconds,
                              "model": {k: round(v, 5) for k, v in run.model_metrics.items()}}
    if plot is not None:
        write_reliability_png(plot, metrics.bins, f"AUC {metrics.auc:.4f}  ECE {metrics.ece:.4f}  "
                                                  f"N {metrics.rows}")
        report["plot"] = str(plot)
    return report


def cmd_confidence_evaluate(app: Application, args: argparse.Namespace) -> int:
    report = evaluate_file(app, Path(args.data), test_share=args.test_share, seed=args.seed,
                           label_column=args.label_column, resource_column=args.resource_column,
                           id_column=args.id_column, plot=Path(args.plot) if args.plot else None)
    if args.json:
        out(json.dumps(report))
        return EXIT_OK
    for line in render_report(report):
        out(line)
    return EXIT_OK


def render_report(report: dict[str, Any]) -> list[str]:
    seconds = report["seconds"]
    lines = [f"held-out evaluation of {report['data']}: {report['history_rows']} past decisions imported, "
             f"{report['test_rows']} scored (stratified, test share {report['test_share']}, seed {report['seed']})",
             "",
             f"  {'ROC AUC':<44}{report['auc']:.4f}",
             f"  {'expected calibration error (10 bins)':<44}{report['ece']:.4f}",
             f"  {'Brier score / log loss':<44}{report['brier']:.4f} / {report['log_loss']:.4f}"]
    for point in report["auto_approval"]:
        lines.append(f"  {'approved auto-approved, <= ' + format(point['max_denied_share'], '.0%') + ' of denied':<44}"
                     f"{point['approved_share']:.1%}  (threshold {point['threshold']:.4f}, "
                     f"{point['denied_share']:.2%} of denied let through)")
    lines += [f"  {'import: load / index / statistics / fit (s)':<44}{seconds['load_history']:.1f} / "
              f"{seconds['index_history']:.1f} / {seconds['statistics']:.1f} / {seconds['fit']:.1f}",
              f"  {'scoring (s)':<44}{seconds['score']:.2f} for {report['test_rows']} requests",
              "", f"  {'confidence':<12}{'requests':>10}{'mean confidence':>18}{'approved':>12}"]
    for b in report["reliability"]:
        if b["count"]:
            lines.append(f"  {b['bin']:<12}{b['count']:>10}{b['mean_confidence']:>18.4f}{b['approved_share']:>12.4f}")
    if "plot" in report:
        lines += ["", f"  reliability plot: {report['plot']}"]
    return lines


def _table_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--label-column", default="ACTION", help="the decision column: 1/0 (default ACTION)")
    parser.add_argument("--resource-column", default="RESOURCE", help="the requested role (default RESOURCE)")
    parser.add_argument("--id-column", default=None, help="a row id column, not an attribute (default: none)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split and of the fitting")


def add_commands(subparsers: Any) -> None:
    """Register `confidence score` and `confidence evaluate` on the `askiam` sub-command parser."""
    parser = subparsers.add_parser("confidence", help="measure the approval confidence on a file of past decisions")
    commands = parser.add_subparsers(dest="confidence_command", required=True)

    p = commands.add_parser("score", help="import a history file in a scratch store and score a request file")
    p.add_argument("--history", required=True, metavar="TRAIN.csv", help="past decisions, with the label column")
    p.add_argument("--requests", required=True, metavar="TEST.csv", help="requests to score; labels never read")
    p.add_argument("--out", required=True, metavar="SCORES.csv", help="written as row,confidence (row from 1)")
    _table_options(p)
    p.set_defaults(handler=cmd_confidence_score)

    p = commands.add_parser("evaluate", help="split a file of past decisions, score the held-out part, measure")
    p.add_argument("--data", required=True, metavar="FILE")
    p.add_argument("--test-share", type=float, default=0.2)
    p.add_argument("--plot", metavar="PATH.png", help="write a reliability diagram here")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    _table_options(p)
    p.set_defaults(handler=cmd_confidence_evaluate)
