"""A person's user id as someone signing in types it: "HBERGSTROM" is hbergstrom when the directory has exactly
one person whose id differs from it only in case. Ids two people share but for case stay exact, so nobody is ever
signed in as someone else by a guess."""

from __future__ import annotations

from bot.ports import Directory


def directory_user_id(directory: Directory, given: str) -> str:
    """The directory's spelling of `given`; `given` itself when someone has exactly that id, or when the directory
    has no one, or several, by it in another case (the service then refuses it as it would any unknown id)."""
    if not given:
        return given
    folded = given.casefold()
    ids = {person.user_id for person in directory.find_people(emails=[], names=[], user_ids=[given])
           if person.user_id.casefold() == folded}
    return ids.pop() if len(ids) == 1 and given not in ids else given
