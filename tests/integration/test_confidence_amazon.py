"""The approval confidence on real decisions (Amazon Employee Access, ../shared/datasets), held out, through the
product's own import and scoring path: it ranks and is calibrated, ignores ids and never reads test labels."""

from __future__ import annotations

import csv
import random
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SHARED
from validators.confidence_dataset import TableSpec, import_history, read_table, score_table
from validators.confidence_evaluation import stratified_split

pytestmark = pytest.mark.integration

DATA = SHARED / "datasets" / "amazon-employee-access" / "train.csv"
SUBSAMPLE_ROWS = 8000
SUBSAMPLE_SEED = 2013
# Measured on this subsample, split seeds 0-4: AUC 0.755-0.825 (one-hot logistic regression on the same splits:
# 0.736-0.787), ECE 0.006-0.015; the test uses seed 0 (AUC 0.755, ECE 0.013), and the run is deterministic. A
# quarter of the full history sees most resources once or never, hence the lower figures than the full file's.
MIN_AUC = 0.72
MAX_ECE = 0.03


@pytest.fixture(scope="module")
def subsample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stratified subsample of the file, small enough for CI."""
    if not DATA.exists():
        pytest.skip("../shared/datasets/amazon-employee-access/train.csv is not beside the project")
    with DATA.open(newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    labels = np.array([row[header.index("ACTION")] == "1" for row in rows])
    keep = stratified_split(labels, SUBSAMPLE_ROWS / len(rows), SUBSAMPLE_SEED)
    path = tmp_path_factory.mktemp("amazon") / "sample.csv"
    _write(path, header, [row for row, kept in zip(rows, keep, strict=True) if kept])
    return path


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        return next(reader), list(reader)


def _split(path: Path, folder: Path, seed: int = 0) -> tuple[Path, Path, np.ndarray]:
    """History and request files (the requests keep their labels, for the tests to tamper with)."""
    header, rows = _read(path)
    labels = np.array([row[0] == "1" for row in rows])
    test = stratified_split(labels, 0.2, seed)
    history, requests = folder / "history.csv", folder / "requests.csv"
    _write(history, header, [row for row, t in zip(rows, test, strict=True) if not t])
    _write(requests, header, [row for row, t in zip(rows, test, strict=True) if t])
    return history, requests, labels[test]


def test_evaluate_ranks_and_calibrates_held_out_decisions(subsample: Path, tmp_path: Path) -> None:
    from bot.bootstrap import build
    from bot.cli.confidence import evaluate_file
    from bot.settings import Settings

    app = build(Settings(home=tmp_path / "home"))
    started = time.perf_counter()
    try:
        report = evaluate_file(app, subsample, test_share=0.2, seed=0, plot=tmp_path / "reliability.png")
    finally:
        app.close()
    elapsed = time.perf_counter() - started
    assert report["test_rows"] == 1600 and report["history_rows"] == 6400
    assert report["auc"] >= MIN_AUC, report
    assert report["ece"] <= MAX_ECE, report
    points = report["auto_approval"]
    assert [p["max_denied_share"] for p in points] == [0.01, 0.05]
    assert all(p["denied_share"] <= p["max_denied_share"] for p in points)
    assert points[1]["approved_share"] >= points[0]["approved_share"] > 0
    assert (tmp_path / "reliability.png").read_bytes()[:4] == b"\x89PNG"
    assert elapsed < 60, f"evaluate took {elapsed:.1f} s"


def _rename(rows: list[list[str]], header: list[str]) -> list[list[str]]:
    """Every id of every column but the label replaced by another, consistently, in a different order."""
    rng = random.Random(5)
    maps: list[dict[str, str]] = [{} for _ in header]
    renamed = []
    for row in rows:
        out = []
        for column, value in enumerate(row):
            if header[column] == "ACTION":
                out.append(value)
                continue
            mapping = maps[column]
            if value not in mapping:
                mapping[value] = f"{rng.randrange(10**9):09d}x{len(mapping)}"
            out.append(mapping[value])
        renamed.append(out)
    return renamed


def test_scores_ignore_ids_and_never_read_test_labels(app_factory, subsample: Path,  # type: ignore[no-untyped-def]
                                                      tmp_path: Path) -> None:
    app = app_factory()
    history, requests, _ = _split(subsample, tmp_path)
    spec = TableSpec()
    import_history(app.database, app.history_index, read_table(history, spec, with_labels=True))
    baseline = score_table(app.database, read_table(requests, spec, with_labels=False))
    assert len(baseline) == 1600 and 0 < baseline.min() < baseline.max() < 1

    header, rows = _read(requests)
    label = header.index("ACTION")
    without = tmp_path / "without-labels.csv"
    _write(without, header[:label] + header[label + 1 :], [row[:label] + row[label + 1 :] for row in rows])
    garbage = tmp_path / "garbage-labels.csv"
    _write(garbage, header, [[("?" if i == label else cell) for i, cell in enumerate(row)] for row in rows])
    flipped = tmp_path / "flipped-labels.csv"
    _write(flipped, header, [[(str(1 - int(cell)) if i == label else cell) for i, cell in enumerate(row)]
                             for row in rows])
    for variant in (without, garbage, flipped):
        assert np.array_equal(score_table(app.database, read_table(variant, spec, with_labels=False)), baseline)

    history_header, history_rows = _read(history)
    renamed_history, renamed_requests = tmp_path / "renamed-history.csv", tmp_path / "renamed-requests.csv"
    renamed = _rename(history_rows + rows, history_header)
    _write(renamed_history, history_header, renamed[: len(history_rows)])
    _write(renamed_requests, history_header, renamed[len(history_rows) :])
    import_history(app.database, app.history_index, read_table(renamed_history, spec, with_labels=True))
    assert np.array_equal(score_table(app.database, read_table(renamed_requests, spec, with_labels=False)), baseline)
