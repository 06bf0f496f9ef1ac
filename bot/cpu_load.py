"""Whether every processor of this machine is busy right now, from the kernel's run queue (Linux /proc/loadavg).

Splitting one request over threads only pays while a processor is free to run them: with all of them busy, the
threads wait their turn and add switching (measured with 8 requesters on 2 cores: 213 requests/s with each
request's lookups one after the other, 175/s with them in parallel).
"""

from __future__ import annotations

import os
from pathlib import Path

LOADAVG = Path("/proc/loadavg")


def usable_cpus() -> int:
    """The processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def runnable_tasks(path: Path = LOADAVG) -> int | None:
    """Tasks running or ready to run at this instant, this one included; None where the kernel does not say."""
    try:
        fields = path.read_text(encoding="ascii").split()
        return int(fields[3].split("/")[0])
    except (OSError, IndexError, ValueError, UnicodeDecodeError):
        return None


class CpuLoad:
    """`saturated()` is true when at least as many other tasks as there are processors are ready to run."""

    def __init__(self, cpus: int | None = None, path: Path = LOADAVG) -> None:
        self._cpus = cpus if cpus is not None else usable_cpus()
        self._path = path

    def saturated(self) -> bool:
        runnable = runnable_tasks(self._path)
        return runnable is not None and runnable > self._cpus
