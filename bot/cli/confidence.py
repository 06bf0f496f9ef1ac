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
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.bootstrap import Application
from bot.cli.output import EXIT_OK, err, out
from bot.cli.scratch import scratch_application
from bot.errors import InvalidRequestError

if TYPE_CHECKING:
    from validators.confidence_dataset import RequestTable, TableSpec


@dataclass(frozen=True)
class ScoringRun:
    scores: np.ndarray
    history_rows: int
    seconds: dict[str, float]
    model_metrics: dict[str, float]
    warnings: tuple[str, ...] = ()


def run_scoring(app: Application, history: Path, requests: Path, label_column: str, resource_column: str,
                id_column: str | None, seed: int) -> ScoringRun:
    """Import `history` as past decisions into a scratch store, then score every row of `requests`. Raises
    InvalidRequestError when the requests lack attribute columns the history has."""
    from validators.confidence_dataset import TableSpec, import_history, score_table  # noqa: PLC0415

    spec = TableSpec(label_column, resource_column, id_column)
    started = time.perf_counter()
    past, asked, warnings = _matching_tables(history, requests, spec)
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
    return ScoringRun(scores, len(past), {k: round(v, 3) for k, v in seconds.items()}, timings.model_metrics,
                      tuple(warnings))


def _matching_tables(history: Path, requests: Path,
                     spec: TableSpec) -> tuple[RequestTable, RequestTable, list[str]]:
    """Both files, with the history's columns that are not the requester's left out of both, and the request
    file's columns checked against the history's: lacking one is refused (scores on less than the history
    learned from, or on nothing when the columns were renamed), one the history lacks is left out; the warnings
    say what was left out."""
    from validators.confidence_dataset import (  # noqa: PLC0415
        columns_left_out,
        compare_columns,
        without_columns,
    )

    past = _read_table(history, spec, with_labels=True)
    asked = _read_table(requests, spec, with_labels=False)
    warnings: list[str] = []
    left_out = columns_left_out(past)
    if left_out:
        warnings.append(f"{history.name}: column(s) left out, not attributes of the requester: "
                        + "; ".join(f"{column} ({why})" for column, why in left_out.items())
                        + " (--id-column names a row id column)")
        past, asked = without_columns(past, set(left_out)), without_columns(asked, set(left_out))
    compared = compare_columns(past, asked)
    if compared.lacking:
        extra = f"; it has {', '.join(compared.extra)}, which {history.name} lacks" if compared.extra else ""
        raise InvalidRequestError(
            f"{requests.name} lacks attribute column(s) {history.name} has: {', '.join(compared.lacking)}{extra}. "
            "Without them its rows are not scored on what the history learned from them: give "
            f"{requests.name} the columns of {history.name}, named as there")
    if compared.extra:
        warnings.append(f"{requests.name}: column(s) {history.name} lacks, not used: {', '.join(compared.extra)}")
        asked = without_columns(asked, set(compared.extra))
    return past, asked, warnings


def _read_table(path: Path, spec: TableSpec, *, with_labels: bool) -> RequestTable:
    """`read_table`, with a hint at the options that name the columns when the role or decision column is
    missing."""
    from validators.confidence_dataset import read_table  # noqa: PLC0415
    from validators.errors import MissingColumnsError  # noqa: PLC0415

    try:
        return read_table(path, spec, with_labels=with_labels)
    except MissingColumnsError as exc:
        if not {spec.label_column, spec.resource_column} & set(exc.columns):
            raise
        hint = ("--resource-column names the role column (default RESOURCE), --label-column the decision column "
                "(default ACTION); every other column is an attribute of the requester, so a file naming the "
                "requester by id only (an org bundle's access_history.csv) needs their attributes joined in first")
        raise MissingColumnsError(path.name, exc.columns, notes=[hint]) from exc


def cmd_confidence_score(app: Application, args: argparse.Namespace) -> int:
    from validators.confidence_dataset import write_scores  # noqa: PLC0415

    run = run_scoring(app, Path(args.history), Path(args.requests), args.label_column, args.resource_column,
                      args.id_column, args.seed)
    _warn(run)
    write_scores(Path(args.out), run.scores)
    seconds = run.seconds
    out(f"scored {len(run.scores)} requests against {run.history_rows} past decisions -> {args.out} "
         f"(import {seconds['load_history'] + seconds['index_history'] + seconds['statistics']:.1f} s, "
         f"fit {seconds['fit']:.1f} s, scoring {seconds['score']:.2f} s)")
    return EXIT_OK


def _warn(run: ScoringRun) -> None:
    for warning in run.warnings:
        err(f"askiam: warning: {warning}")


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
    from validators.confidence_dataset import TableSpec  # noqa: PLC0415
    from validators.confidence_evaluation import measure, stratified_split  # noqa: PLC0415
    from validators.confidence_plot import write_reliability_png  # noqa: PLC0415

    table = _read_table(data, TableSpec(label_column, resource_column, id_column), with_labels=True)
    assert table.labels is not None
    labels = np.array(table.labels, dtype=bool)
    test = stratified_split(labels, test_share, seed)
    with tempfile.TemporaryDirectory(prefix="askiam-confidence-split-") as folder:
        history, requests = _write_split(Path(folder), data, test, label_column)
        run = run_scoring(app, history, requests, label_column, resource_column, id_column, seed)
    _warn(run)
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
