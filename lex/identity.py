"""Who is asking: the Cognito ID token the Lex web UI puts in the session, or a plain user id when run locally.

The requester always comes from the authenticated channel, never from what the person types.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import jwt

from bot.errors import ServiceUnavailableError
from bot.ports import Directory
from bot.user_ids import EmailClaimRefusedError, user_id_for_email_claim
from lex.errors import IdentityConfigError, NotSignedInError, TokenRejectedError
from lex.settings import LexSettings

log = logging.getLogger(__name__)

TOKEN_ATTRIBUTE = "idtokenjwt"
LOCAL_REQUESTER_ATTRIBUTE = "requester_id"
MAX_TOKEN_CHARS = 16_384
_LOCAL_USER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}$")
# An unknown key id triggers a refetch of the key set (Cognito rotates keys), but not more often than this.
_MIN_REFETCH_SECONDS = 60.0

JwksSource = Callable[[], Mapping[str, Any]]


class TokenVerifier(Protocol):
    """Checks an identity token and returns its claims."""

    def verify(self, token: str) -> Mapping[str, Any]:
        """The verified claims; raises TokenRejectedError for a token that must not be trusted."""
        ...


def http_jwks_source(url: str, timeout_s: float = 3.0) -> JwksSource:
    """A JWKS source that fetches the key set over HTTPS."""

    def fetch() -> Mapping[str, Any]:
        try:
            with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 - a fixed https URL
                document = json.loads(response.read(1_000_000))
        except (OSError, ValueError) as exc:
            raise ServiceUnavailableError("the sign-in keys could not be fetched") from exc
        if not isinstance(document, dict):
            raise ServiceUnavailableError("the sign-in key set is not a JSON object")
        return document

    return fetch


def static_jwks_source(document: str) -> JwksSource:
    """A JWKS source that serves a key set given as JSON text (ASKIAM_LEX_JWKS_JSON), for a function that cannot
    reach the user pool's endpoint.

    Raises
    ------
    IdentityConfigError
        The text is not a key set with at least one usable key.
    """
    try:
        keys = json.loads(document)
        if not isinstance(keys, dict):
            raise TypeError("not a JSON object")
        jwt.PyJWKSet.from_dict(keys)
    except (ValueError, TypeError, jwt.PyJWTError) as exc:
        raise IdentityConfigError(f"ASKIAM_LEX_JWKS_JSON is not a usable JWKS key set ({exc})") from exc

    def serve() -> Mapping[str, Any]:
        return keys

    return serve


class CognitoJwksVerifier:
    """Verifies Cognito ID tokens (RS256) against the user pool's published key set.

    Parameters
    ----------
    issuer:
        `https://cognito-idp.<region>.amazonaws.com/<user pool id>`; the token's `iss` must equal it.
    audiences:
        The app client ids whose tokens are accepted; the token's `aud` must be one of them.
    jwks_source:
        Returns the key set; None fetches `<issuer>/.well-known/jwks.json`.
    cache_seconds:
        How long a fetched key set is used before it is fetched again.
    leeway_seconds:
        Clock skew allowed on `exp`, `iat` and `nbf`.
    """

    def __init__(self, *, issuer: str, audiences: tuple[str, ...], jwks_source: JwksSource | None = None,
                 cache_seconds: float = 3600.0, leeway_seconds: float = 60.0) -> None:
        if not issuer or not audiences:
            raise IdentityConfigError("the Cognito issuer and at least one app client id are needed")
        self._issuer = issuer
        self._audiences = list(audiences)
        self._source = jwks_source or http_jwks_source(f"{issuer}/.well-known/jwks.json")
        self._cache_seconds = cache_seconds
        self._leeway = leeway_seconds
        self._lock = threading.Lock()
        self._keys: jwt.PyJWKSet | None = None
        self._fetched_at = float("-inf")

    @classmethod
    def from_settings(cls, lex: LexSettings, jwks_source: JwksSource | None = None) -> CognitoJwksVerifier:
        """The verifier for the configured user pool; its key set from `jwks_source`, else from
        ASKIAM_LEX_JWKS_JSON when set, else fetched from the pool."""
        if not lex.cognito_configured:
            raise IdentityConfigError("set ASKIAM_LEX_COGNITO_REGION, ASKIAM_LEX_COGNITO_USER_POOL_ID and "
                                      "ASKIAM_LEX_COGNITO_APP_CLIENT_IDS")
        if jwks_source is None and lex.jwks_json.strip():
            jwks_source = static_jwks_source(lex.jwks_json)
        return cls(issuer=lex.cognito_issuer, audiences=lex.app_client_ids, jwks_source=jwks_source,
                   cache_seconds=lex.jwks_cache_seconds, leeway_seconds=lex.clock_skew_seconds)

    def verify(self, token: str) -> Mapping[str, Any]:
        if not token or len(token) > MAX_TOKEN_CHARS:
            raise TokenRejectedError("the sign-in token is empty or too long")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenRejectedError("the sign-in token is not a JWT") from exc
        kid = header.get("kid")
        if header.get("alg") != "RS256" or not isinstance(kid, str):
            raise TokenRejectedError("the sign-in token is not signed with a user pool key")
        key = self._key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key.key, algorithms=["RS256"], audience=self._audiences, issuer=self._issuer,
                leeway=self._leeway, options={"require": ["exp", "iat", "iss", "aud", "sub", "token_use"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenRejectedError("the sign-in has expired") from exc
        except (jwt.InvalidAudienceError, jwt.InvalidIssuerError) as exc:
            raise TokenRejectedError("the sign-in token was issued for another application") from exc
        except jwt.PyJWTError as exc:
            raise TokenRejectedError(f"the sign-in token is not valid ({type(exc).__name__})") from exc
        if claims.get("token_use") != "id":
            raise TokenRejectedError("an ID token is needed, not an access token")
        return claims

    def _key(self, kid: str) -> jwt.PyJWK:
        with self._lock:
            now = time.monotonic()
            if self._keys is None or now - self._fetched_at > self._cache_seconds:
                self._refresh(now)
            assert self._keys is not None
            try:
                return self._keys[kid]
            except KeyError:
                pass
            if now - self._fetched_at >= _MIN_REFETCH_SECONDS:
                self._refresh(now)
                try:
                    return self._keys[kid]
                except KeyError:
                    pass
        raise TokenRejectedError("the sign-in token was signed with a key the user pool does not publish")

    def _refresh(self, now: float) -> None:
        document = self._source()
        try:
            self._keys = jwt.PyJWKSet.from_dict(dict(document))
        except jwt.PyJWTError as exc:
            raise ServiceUnavailableError("the sign-in key set has no usable key") from exc
        self._fetched_at = now


def requester_id(session_attributes: Mapping[str, str], *, local: bool, verifier: TokenVerifier | None,
                 lex: LexSettings, directory: Callable[[], Directory]) -> str:
    """The directory user id of the person in this Lex session.

    Parameters
    ----------
    session_attributes:
        The session's attributes: `idtokenjwt` (set by the Lex web UI from the Cognito sign-in), or in the local
        environment only, `requester_id`.
    local:
        Whether AskIAM runs locally; only then is `requester_id` believed, and then never `idtokenjwt` instead.
    verifier:
        Verifies `idtokenjwt`; None when none is configured, which refuses everyone outside the local environment.
    lex:
        Which claim names the requester and whether it holds a user id or an email address.
    directory:
        Gives the directory that maps an email claim to a user id (only called for that).
    """
    if local:
        value = session_attributes.get(LOCAL_REQUESTER_ATTRIBUTE, "").strip()
        if not value:
            raise NotSignedInError("no requester_id session attribute (local mode)")
        if not _LOCAL_USER.match(value):
            raise NotSignedInError("the requester_id session attribute is not a user id")
        return value
    token = session_attributes.get(TOKEN_ATTRIBUTE, "").strip()
    if not token:
        raise NotSignedInError("no sign-in token in the session")
    if verifier is None:
        raise IdentityConfigError("no identity verifier is configured")
    claims = verifier.verify(token)
    claim = claims.get(lex.identity_claim)
    if not isinstance(claim, str) or not claim.strip():
        raise TokenRejectedError(f"the sign-in token carries no '{lex.identity_claim}' claim")
    value = claim.strip()
    if lex.identity_lookup == "email":
        try:
            return user_id_for_email_claim(directory(), claims, lex.identity_claim)
        except EmailClaimRefusedError as exc:
            raise TokenRejectedError(str(exc)) from exc
    # An id nobody has is passed on as it is: the service refuses it and audits the refusal.
    return value[:200]
