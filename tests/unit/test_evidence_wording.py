"""How confidence evidence names what it counts: how alike the counted past requesters are, and people by name."""

from __future__ import annotations

import pytest

from bot.ports import PastDecision
from validators.confidence import similar_summary


def _decisions(*shares: tuple[float, bool]) -> list[PastDecision]:
    return [PastDecision(history_id=f"h{n}", role_id="r", approved=approved, similarity=share, attributes={})
            for n, (share, approved) in enumerate(shares)]


def test_past_requests_all_close_to_the_requester_are_called_similar() -> None:
    close = _decisions((1.0, True), (0.875, True), (0.75, False))
    assert similar_summary(close, "for this role") == "2 of 3 similar past requests for this role were approved"


@pytest.mark.parametrize(("shares", "said"), [
    # Half a profile in common is not "similar": the line says how much is shared.
    ([(0.5, True)] * 16 + [(0.5, False)] * 9, "16 of 25 past requests for this role from people sharing 50% of this "
                                              "requester's attributes were approved"),
    ([(0.625, True), (0.5, True), (0.5, False), (0.875, False)],
     "2 of 4 past requests for this role from people sharing 50% to 88% of this requester's attributes were approved"),
])
def test_past_requests_sharing_less_say_how_much_they_share(shares: list[tuple[float, bool]], said: str) -> None:
    assert similar_summary(_decisions(*shares), "for this role") == said


def test_the_application_line_is_worded_alike() -> None:
    assert similar_summary(_decisions((0.5, True), (0.6, True)), "for other roles in this application") == (
        "2 of 2 past requests for other roles in this application from people sharing 50% to 60% of this "
        "requester's attributes were approved")
