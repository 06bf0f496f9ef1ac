"""Who is calling: from the claims API Gateway verified, or a development token when running locally."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.api.errors import DevTokenRejectedError, UnauthenticatedError
from bot.api.settings import ApiSettings
from bot.ports import Directory
from bot.user_ids import EmailClaimRefusedError, directory_user_id, user_id_for_email_claim

DEV_TOKEN_PREFIX = "dev:"
_DEV_USER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def caller_id(claims: Mapping[str, Any], authorization: str | None, *, env: str, api: ApiSettings,
              directory: Directory) -> str:
    """The directory user id of the caller; never read from the body.

    Parameters
    ----------
    claims:
        `requestContext.authorizer.jwt.claims`, verified by API Gateway's JWT authorizer (empty without one).
    authorization:
        The Authorization header, for development tokens (`Bearer dev:<user_id>`), honoured only in the local env.
    env:
        `Settings.env` of the running application.
    api:
        Which claim names the caller, and whether it holds a user id or an email address.
    directory:
        Maps an email claim to a user id.
    """
    if claims:
        return _from_claims(claims, api, directory)
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token.startswith(DEV_TOKEN_PREFIX):
        if env != "local" or api.in_deployed_lambda:
            raise DevTokenRejectedError("development tokens are accepted only when AskIAM runs locally")
        user_id = token[len(DEV_TOKEN_PREFIX):]
        if not _DEV_USER.match(user_id):
            raise UnauthenticatedError("the development token must be 'dev:<user_id>'")
        # Typed by a developer ("dev:HBERGSTROM", "/?as=HBERGSTROM"): the directory's spelling of it. A verified
        # claim (above) is taken exactly as the identity provider gives it.
        return directory_user_id(directory, user_id)
    if authorization:
        raise UnauthenticatedError("the bearer token was not verified by the API gateway")
    raise UnauthenticatedError("sign in first: no identity came with the request")


def _from_claims(claims: Mapping[str, Any], api: ApiSettings, directory: Directory) -> str:
    value = claims.get(api.identity_claim)
    if not isinstance(value, str) or not value.strip():
        raise UnauthenticatedError(f"the token carries no '{api.identity_claim}' claim")
    if _CONTROL.search(value):
        raise UnauthenticatedError(f"the token's '{api.identity_claim}' claim is not an id")
    value = value.strip()
    if api.identity_lookup == "email":
        try:
            return user_id_for_email_claim(directory, claims, api.identity_claim)
        except EmailClaimRefusedError as exc:
            raise UnauthenticatedError(str(exc)) from exc
    # An id nobody has is passed on as it is: the service refuses it and audits the refusal.
    return value[:200]
