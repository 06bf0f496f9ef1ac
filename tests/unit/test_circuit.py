from __future__ import annotations

from bot.circuit import CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_consecutive_failures_and_half_opens_after_the_pause() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=3, reset_after_s=10, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    breaker.record_success()  # a success resets the count
    for _ in range(3):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.is_open and not breaker.allow()
    clock.now = 9.9
    assert not breaker.allow()
    clock.now = 10.0
    assert breaker.allow()            # one trial
    assert not breaker.allow()        # and only one at a time
    breaker.record_failure()          # the trial failed: open again, for another pause
    clock.now = 15.0
    assert not breaker.allow()
    clock.now = 20.0
    assert breaker.allow()
    breaker.record_success()
    assert not breaker.is_open and breaker.allow()
