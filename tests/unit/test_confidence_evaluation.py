"""Held-out measurement of the confidence: split, operating points, reliability, the plot file, and which columns
of a history and a request file are scored."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from bot.cli.confidence import _matching_tables, _read_table
from bot.errors import InvalidRequestError
from validators.confidence_dataset import TableSpec, columns_left_out, read_table
from validators.confidence_evaluation import measure, operating_point, stratified_split
from validators.confidence_plot import reliability_png
from validators.errors import MissingColumnsError


def test_split_holds_the_share_of_each_class() -> None:
    labels = np.array([True] * 90 + [False] * 10)
    test = stratified_split(labels, 0.2, seed=3)
    assert test[labels].sum() == 18 and test[~labels].sum() == 2
    assert np.array_equal(test, stratified_split(labels, 0.2, seed=3))


def test_operating_point_lets_through_at_most_the_share_of_denied() -> None:
    labels = np.array([1, 1, 1, 1, 0, 1, 0, 0, 0, 0], dtype=bool)
    scores = np.array([0.99, 0.95, 0.9, 0.8, 0.85, 0.6, 0.5, 0.4, 0.3, 0.2])
    point = operating_point(labels, scores, 0.0)
    assert (point.threshold, point.approved_share, point.denied_share) == (0.9, 0.6, 0.0)
    point = operating_point(labels, scores, 0.2)
    assert (point.threshold, point.approved_share, point.denied_share) == (0.6, 1.0, 0.2)
    tied = operating_point(np.array([1, 0, 1], dtype=bool), np.array([0.7, 0.7, 0.2]), 0.0)
    assert tied.approved_share == 0.0  # a tie with a denied request cannot be split


def test_measure_and_the_png_file() -> None:
    rng = np.random.default_rng(0)
    scores = rng.random(2000)
    labels = rng.random(2000) < scores
    metrics = measure(labels, scores)
    assert 0.7 < metrics.auc < 0.9 and metrics.ece < 0.05
    assert sum(b.count for b in metrics.bins) == 2000
    png = reliability_png(metrics.bins, "AUC 0.80")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    idat = png.index(b"IDAT")
    length = struct.unpack(">I", png[idat - 4 : idat])[0]
    assert len(zlib.decompress(png[idat + 4 : idat + 4 + length])) == height * (1 + 3 * width)


def test_a_request_file_is_read_without_its_label_column(tmp_path: Path) -> None:
    path = tmp_path / "requests.csv"
    path.write_text("ACTION,RESOURCE,MGR_ID,ROLE_CODE\nnot-a-label,r1,m1,\n,r2,m2,c2\n")
    table = read_table(path, TableSpec(), with_labels=False)
    assert table.labels is None and table.roles == ["r1", "r2"]
    assert table.profiles == [{"MGR_ID": "m1"}, {"MGR_ID": "m2", "ROLE_CODE": "c2"}]


def test_an_id_column_is_not_an_attribute(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_text("id,ACTION,RESOURCE,MGR_ID\nq1,1,r1,m1\nq2,0,r1,m2\n")
    table = read_table(path, TableSpec(id_column="id"), with_labels=True)
    assert table.labels == [True, False] and table.attribute_columns == ("MGR_ID",)


def _file(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def _history(folder: Path, rows: int = 24) -> Path:
    """Past decisions with two attributes of the requester, a request id and who decided."""
    return _file(folder / "TRAIN.csv", "request_id,ACTION,RESOURCE,department,title,decided_by",
                 [f"H-{n},{n % 2},r{n % 3},D{n % 4},T{n % 5},boss{n % 2}" for n in range(rows)])


def test_requests_lacking_the_historys_attribute_columns_are_refused_naming_both_sides(tmp_path: Path) -> None:
    history = _history(tmp_path)
    renamed = _file(tmp_path / "TEST.csv", "RESOURCE,dept,job", ["r1,D1,T1"])
    with pytest.raises(InvalidRequestError) as refused:
        _matching_tables(history, renamed, TableSpec())
    assert str(refused.value).startswith("TEST.csv lacks attribute column(s) TRAIN.csv has: department, title; it "
                                         "has dept, job, which TRAIN.csv lacks.")
    fewer = _file(tmp_path / "FEWER.csv", "RESOURCE,department", ["r1,D1"])
    with pytest.raises(InvalidRequestError, match="^FEWER.csv lacks attribute column.s. TRAIN.csv has: title\\. "):
        _matching_tables(history, fewer, TableSpec())


def test_row_ids_and_columns_written_with_the_decision_are_left_out_and_extra_request_columns_unused(
        tmp_path: Path) -> None:
    history = _history(tmp_path)
    requests = _file(tmp_path / "TEST.csv", "RESOURCE,department,title,shoe_size",
                     ["r1,D1,T1,44", "r2,D2,T2,38"])
    past, asked, warnings = _matching_tables(history, requests, TableSpec())
    assert past.attribute_columns == asked.attribute_columns == ("department", "title")
    assert past.profiles[1] == {"department": "D1", "title": "T1"}
    assert asked.profiles == [{"department": "D1", "title": "T1"}, {"department": "D2", "title": "T2"}]
    assert warnings == [
        "TRAIN.csv: column(s) left out, not attributes of the requester: request_id (a different value on every row: "
        "it identifies the row, not the requester); decided_by (written with the decision: it describes the "
        "decision, not the requester) (--id-column names a row id column)",
        "TEST.csv: column(s) TRAIN.csv lacks, not used: shoe_size"]


def test_a_short_history_keeps_a_column_that_differs_on_every_row_by_chance(tmp_path: Path) -> None:
    table = read_table(_history(tmp_path, rows=5), TableSpec(), with_labels=True)
    # request_id and title differ on every one of five rows, as a real attribute may in so few: both kept.
    assert set(columns_left_out(table)) == {"decided_by"}


def test_a_missing_role_or_decision_column_points_at_the_options_naming_them(tmp_path: Path) -> None:
    bundle_history = _file(tmp_path / "access_history.csv", "request_id,user_id,role_id,decision",
                           ["H-1,ana,r1,approved"])
    with pytest.raises(MissingColumnsError) as missing:
        _read_table(bundle_history, TableSpec(), with_labels=True)
    message = str(missing.value)
    assert message.startswith("1 problem in access_history.csv; nothing was imported:\naccess_history.csv:1: "
                              "missing column(s): RESOURCE, ACTION\n(--resource-column names the role column")
    assert "--label-column the decision column" in message and "access_history.csv) needs their attributes" in message
    assert _read_table(bundle_history, TableSpec("decision", "role_id"), with_labels=True).roles == ["r1"]
