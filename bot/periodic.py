"""A job run on a daemon thread now and then every interval, until stopped (local servers' housekeeping)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Periodic:
    """Runs `job` once when started and again every `interval_s` seconds; a failing run is logged and the next one
    still runs. `stop` waits for a run in progress to end."""

    def __init__(self, name: str, interval_s: float, job: Callable[[], object]) -> None:
        if interval_s <= 0:
            raise ValueError("the interval must be positive")
        self._name = name
        self._interval_s = interval_s
        self._job = job
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"askiam-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=timeout_s)

    def _loop(self) -> None:
        while not self._stopped.is_set():
            try:
                self._job()
            except Exception:
                log.exception("%s failed; trying again in %.0f s", self._name, self._interval_s)
            self._stopped.wait(self._interval_s)
