"""Structured requests (user, application and role by id) decided through the same service as the chat."""

from __future__ import annotations

from bot.api.errors import UnknownReferenceError
from bot.api.models import AccessRequestBody
from bot.api.runtime import ApiRuntime
from bot.domain import Application, Outcome, Person, Role
from bot.errors import InvalidRequestError
from bot.time_zones import now_in
from bot.understanding.resolver import resolve
from bot.understanding.time_limits import find_time_limit


def request_text(requester: Person, target: Person, app: Application, role: Role) -> str:
    """The sentence a person would type for this request, naming everything by its catalog name or email."""
    if target.user_id == requester.user_id:
        return f"I need the {role.name} role in {app.name}"
    return f"Please give {target.email} the {role.name} role in {app.name}"


def structured_request(rt: ApiRuntime, requester_id: str, body: AccessRequestBody, *, channel: str,
                       idempotency_key: str | None = None) -> Outcome:
    """Decide a request given by ids.

    The ids are looked up in the catalog and the directory, and the request is phrased from their names and
    passed to the service like any chat message, so every rule is applied by the one code path that decides.
    The phrasing is first resolved without recording anything; should it not resolve to exactly these ids
    (a catalog whose names overlap), nothing is recorded and the caller gets 422.
    """
    service = rt.app.service
    describe = f"(structured request: user {body.user_id}, app {body.app_id}, role {body.role_id})"
    requester = service.requester(requester_id, channel, describe)
    vocabulary = service.vocabulary()
    app = vocabulary.catalog.application_by_id(body.app_id)
    if app is None:
        raise UnknownReferenceError(f"there is no application {body.app_id!r}", code="UNKNOWN_APPLICATION")
    role = vocabulary.catalog.role_by_id(body.role_id)
    if role is None or role.app_id != app.app_id:
        raise UnknownReferenceError(f"{app.name} has no role {body.role_id!r}", code="UNKNOWN_ROLE")
    target = rt.directory.get_person(body.user_id)
    if target is None:
        raise UnknownReferenceError(f"there is nobody with user id {body.user_id!r}", code="UNKNOWN_USER")
    text = request_text(requester, target, app, role)
    if body.access_until is not None:
        text = f"{text} until {body.access_until.isoformat()}"
        limit = find_time_limit(text, now_in(requester.time_zone))
        if limit is None or limit.until is None:
            raise InvalidRequestError(f"access_until {body.access_until.isoformat()} "
                                      f"{limit.problem if limit else 'is not a date'}; nothing was requested")
    understood = resolve(text, requester, vocabulary, rt.directory)
    resolved = (understood.target.user_id if understood.target else None,
                understood.role.role_id if understood.role else None)
    if not understood.is_complete or resolved != (target.user_id, role.role_id):
        raise UnknownReferenceError(f"the catalog names of {body.role_id!r} in {body.app_id!r} are ambiguous; "
                                    "please ask in the chat", code="AMBIGUOUS_REFERENCE")
    return service.handle(requester_id, text, channel=channel, idempotency_key=idempotency_key).outcome
