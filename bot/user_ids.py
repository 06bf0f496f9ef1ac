"""A person's user id as someone signing in types it: "HBERGSTROM" is hbergstrom when the directory has exactly
one person whose id differs from it only in case. Ids two people share but for case stay exact, so nobody is ever
signed in as someone else by a guess."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.ports import Directory


class EmailClaimRefusedError(ValueError):
    """An email claim that does not name one person for certain: unverified, or nobody's (or several people's)."""


def directory_user_id(directory: Directory, given: str) -> str:
    """The directory's spelling of `given`; `given` itself when someone has exactly that id, or when the directory
    has no one, or several, by it in another case (the service then refuses it as it would any unknown id)."""
    if not given:
        return given
    folded = given.casefold()
    ids = {person.user_id for person in directory.find_people(emails=[], names=[], user_ids=[given])
           if person.user_id.casefold() == folded}
    return ids.pop() if len(ids) == 1 and given not in ids else given


def operator_user_id(directory: Directory, given: str) -> str:
    """`directory_user_id`, and for the command line (run by someone who holds the database's credentials, not a
    signed-in user) also an email address exactly one person has: "--as anna.k@corp.example"."""
    user_id = directory_user_id(directory, given)
    if "@" not in user_id or directory.get_person(user_id) is not None:
        return user_id
    people = directory.find_people(emails=[user_id.casefold()], names=[], user_ids=[])
    return people[0].user_id if len(people) == 1 else user_id


def user_id_for_email_claim(directory: Directory, claims: Mapping[str, Any], claim: str) -> str:
    """The user id of the one person whose directory email the token's `claim` holds.

    The identity provider must say the address is verified (`email_verified` true; API Gateway passes claims as
    strings, so "true" too): in Cognito, as in most providers, people may change their own email attribute, and an
    unverified one is only what they typed, such as their manager's address. An address that is nobody's is refused
    too, never tried as a user id.
    """
    verified = claims.get("email_verified")
    if verified is not True and str(verified).strip().lower() != "true":
        raise EmailClaimRefusedError(f"the token's '{claim}' claim is not a verified email address "
                                     "(email_verified is not true)")
    value = str(claims.get(claim) or "").strip()
    people = directory.find_people(emails=[value.casefold()], names=[], user_ids=[]) if value else []
    if len(people) != 1:
        raise EmailClaimRefusedError(f"the token's '{claim}' claim is not the email of anyone in the directory"
                                     if not people else f"the token's '{claim}' claim is the email of several people")
    return people[0].user_id
