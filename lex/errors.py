"""Errors of the Lex channel. The one mapping from any error to a Lex response is `lex.responses.error_response`."""

from __future__ import annotations


class LexError(Exception):
    """Base class of the errors the Lex channel raises itself."""


# What the person is told of an event AskIAM cannot read, unless a better reason is known: they typed a message,
# and how it reached AskIAM is not theirs to fix.
NOT_READABLE = ("it did not arrive in the form AskIAM reads from Lex V2. Please try again, or contact the service "
                "desk if it keeps happening.")


class MalformedEventError(LexError):
    """The event is not a Lex V2 code-hook event this handler can read.

    The message is the detail, for the log (a field and what is wrong with it); `told` is the reason the person is
    given, in their words.
    """

    def __init__(self, detail: str, told: str = NOT_READABLE) -> None:
        super().__init__(detail)
        self.told = told


class NotSignedInError(LexError):
    """No verified identity came with the event; the caller must sign in."""


class TokenRejectedError(NotSignedInError):
    """An identity token came with the event but did not verify (expired, forged, wrong audience or issuer)."""


class IdentityConfigError(LexError):
    """The identity verifier is not configured (no Cognito user pool or app client)."""
