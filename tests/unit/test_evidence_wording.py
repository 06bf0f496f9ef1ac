"""How confidence evidence names what it counts: how alike the counted past requesters are, and people by name."""

from __future__ import annotations

import pytest

from bot.ports import PastDecision
from validators.confidence import _describe_group, attribute_value, similar_summary
from validators.confidence_features import ATTRIBUTE, PAIR, ROLE_ATTRIBUTE, FeatureSchema


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


def test_an_attribute_holding_a_persons_id_names_the_person_the_directory_has() -> None:
    people = {"e-10442": "Anna Kowalska"}
    assert attribute_value("manager_id", "e-10442", people) == "manager Anna Kowalska (e-10442)"
    assert attribute_value("sponsor_id", "e-10442", people) == "sponsor Anna Kowalska (e-10442)"
    assert attribute_value("manager_id", "e-99999", people) == "manager_id e-99999"  # not in the directory
    # A value that happens to be someone's id in a column that holds no ids is not a person.
    assert attribute_value("cost_center", "e-10442", people) == "cost_center e-10442"
    assert attribute_value("department", "Finance", people) == "department Finance"


def test_a_group_of_requests_names_the_manager_it_is_defined_by() -> None:
    schema = FeatureSchema(attributes=("department", "manager_id"), paired=("department", "manager_id"))
    profile = {"department": "Finance", "manager_id": "e-10442"}
    people = {"e-10442": "Anna Kowalska"}
    described = {kind: _describe_group(schema, group, profile, people)
                 for group, (kind, members) in enumerate(schema.groups) if 1 in members}
    assert described == {
        ROLE_ATTRIBUTE: "requests for this role from people with manager Anna Kowalska (e-10442)",
        ATTRIBUTE: "requests for any role from people with manager Anna Kowalska (e-10442)",
        PAIR: "requests for any role from people with department Finance and manager Anna Kowalska (e-10442)",
    }
    assert "manager_id e-10442" in _describe_group(schema, 2, profile)  # no names given: the id, as stored
