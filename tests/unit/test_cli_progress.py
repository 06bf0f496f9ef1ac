"""The progress bar of long commands: in place on a terminal, a few lines in a log."""

from __future__ import annotations

import io

from bot.cli.progress import WIDTH, ProgressBar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_one_line_per_tenth_of_the_way() -> None:
    stream = io.StringIO()
    bar = ProgressBar("past decisions", 1000, stream)
    for done in range(0, 1001, 7):
        bar.update(done)
    bar.update(1000)
    bar.finish()
    lines = stream.getvalue().splitlines()
    assert 10 <= len(lines) <= 11
    assert lines[-1].startswith(f"past decisions [{'#' * WIDTH}] 100% 1,000/1,000")
    assert "\r" not in stream.getvalue()


def test_a_terminal_gets_the_bar_redrawn_in_place_and_a_total_can_arrive_late() -> None:
    stream = Terminal()
    bar = ProgressBar("policy passages", 0, stream)
    bar.update(64, 128)
    bar.update(128, 128)
    bar.finish()
    text = stream.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n")
    assert " 50% 64/128" in text and " 100% 128/128" in text
