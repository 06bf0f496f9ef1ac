"""Held-out measurement of the confidence: split, operating points, reliability, and the plot file."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

from validators.confidence_dataset import TableSpec, read_table
from validators.confidence_evaluation import measure, operating_point, stratified_split
from validators.confidence_plot import reliability_png


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
