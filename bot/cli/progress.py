"""A progress bar on standard error: redrawn in place on a terminal, a line every tenth of the way otherwise (so a
log file or CI output gets a few lines, not thousands)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class ProgressBar:
    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self._label = label
        self._total = max(total, 0)
        self._stream = stream or sys.stderr
        self._interactive = self._stream.isatty()
        self._started = time.perf_counter()
        self._last_tenth = -1
        self._done = 0

    def update(self, done: int, total: int | None = None) -> None:
        """Show `done` of the total (a new total may be given, e.g. once it is known)."""
        if total is not None:
            self._total = max(total, 0)
        self._done = done
        tenth = 10 * done // self._total if self._total else 10
        if self._interactive:
            self._stream.write("\r" + self._line())
        elif tenth != self._last_tenth:
            self._stream.write(self._line() + "\n")
        self._last_tenth = tenth
        self._stream.flush()

    def finish(self) -> None:
        """End the bar's line (on a terminal); the last state stays visible."""
        if self._interactive:
            self._stream.write("\n")
            self._stream.flush()

    def _line(self) -> str:
        share = min(self._done / self._total, 1.0) if self._total else 1.0
        filled = round(share * WIDTH)
        elapsed = time.perf_counter() - self._started
        rate = self._done / elapsed if elapsed > 0 else 0.0
        return (f"{self._label} [{'#' * filled}{'.' * (WIDTH - filled)}] {share:4.0%} "
                f"{self._done:,}/{self._total:,} ({rate:,.0f}/s)")
