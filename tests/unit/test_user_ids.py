"""A user id typed at sign-in in another case is the directory's id, never a guess between two people."""

from __future__ import annotations

import pytest

from bot.user_ids import directory_user_id
from tests.fakes.directory import MemoryDirectory, person

DIRECTORY = MemoryDirectory([person("hbergstrom", "Hannah Bergström"), person("JSmith", "Jo Smith"),
                             person("jsmith", "Jay Smith"), person("Ana.Lee", "Ana Lee")])


@pytest.mark.parametrize(("given", "signed_in"), [
    ("hbergstrom", "hbergstrom"), ("HBERGSTROM", "hbergstrom"), ("HBergstrom", "hbergstrom"),
    ("ana.lee", "Ana.Lee"),
    ("JSmith", "JSmith"), ("jsmith", "jsmith"),  # exact ids stay theirs
    ("JSMITH", "JSMITH"),  # two people but for case: not guessed, refused later as unknown
    ("nobody", "nobody"), ("", ""),
])
def test_a_sign_in_in_another_case_is_the_one_person_it_can_be(given: str, signed_in: str) -> None:
    assert directory_user_id(DIRECTORY, given) == signed_in

