"""Errors of the Lex channel. The one mapping from any error to a Lex response is `lex.responses.error_response`."""

from __future__ import annotations


class LexError(Exception):
    """Base class of the errors the Lex channel raises itself."""


class MalformedEventError(LexError):
    """The event is not a Lex V2 code-hook event this handler can read."""


class NotSignedInError(LexError):
    """No verified identity came with the event; the caller must sign in."""


class TokenRejectedError(NotSignedInError):
    """An identity token came with the event but did not verify (expired, forged, wrong audience or issuer)."""


class IdentityConfigError(LexError):
    """The identity verifier is not configured (no Cognito user pool or app client)."""
