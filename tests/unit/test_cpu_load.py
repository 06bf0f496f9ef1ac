"""Reading the run queue: how many tasks are ready to run, and whether that means every processor is busy."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cpu_load import CpuLoad, runnable_tasks, usable_cpus


def _loadavg(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "loadavg"
    path.write_text(text, encoding="ascii")
    return path


@pytest.mark.parametrize(("text", "expected"), [
    ("0.55 0.86 0.80 3/250 4242\n", 3),
    ("12.00 9.10 4.00 17/1024 99\n", 17),
    ("0.00 0.00 0.00 1/80 7", 1),
    ("", None),
    ("0.1 0.2 0.3", None),
    ("0.1 0.2 0.3 x/250 1", None),
])
def test_the_runnable_count_is_the_fourth_field(tmp_path: Path, text: str, expected: int | None) -> None:
    assert runnable_tasks(_loadavg(tmp_path, text)) == expected


def test_a_missing_or_binary_file_says_nothing(tmp_path: Path) -> None:
    assert runnable_tasks(tmp_path / "absent") is None
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe 1 2 3/4 5")
    assert runnable_tasks(binary) is None


@pytest.mark.parametrize(("runnable", "cpus", "saturated"), [
    (1, 2, False),  # this task alone
    (2, 2, False),  # one processor for it, one for another task
    (3, 2, True),   # as many others as processors
    (9, 8, True),
    (8, 8, False),
])
def test_saturated_when_others_fill_every_processor(tmp_path: Path, runnable: int, cpus: int,
                                                    saturated: bool) -> None:
    path = _loadavg(tmp_path, f"1.0 1.0 1.0 {runnable}/300 1\n")
    assert CpuLoad(cpus=cpus, path=path).saturated() is saturated


def test_without_a_run_queue_the_machine_is_taken_as_free(tmp_path: Path) -> None:
    assert CpuLoad(cpus=1, path=tmp_path / "absent").saturated() is False


def test_this_process_may_use_at_least_one_processor() -> None:
    assert usable_cpus() >= 1
