"""Errors the core raises; channels map each to their own response (exit code, HTTP status, Lex message)."""


class AskIamError(Exception):
    """Base class of every error meant to be shown to the caller."""

    code = "ERROR"


class RequesterError(AskIamError):
    """The requester is unknown or not active; the refusal was audited."""

    code = "REQUESTER_NOT_ALLOWED"


class InvalidRequestError(AskIamError):
    """The input cannot be handled as it is (empty, too long, malformed)."""

    code = "INVALID_REQUEST"


class ConversationTooLongError(InvalidRequestError):
    """The conversation has reached its maximum number of turns; the next request starts a new one."""

    code = "CONVERSATION_TOO_LONG"


class ServiceUnavailableError(AskIamError):
    """A store the decision depends on is down; nothing was written, and the caller may retry."""

    code = "TRY_AGAIN"


class DuplicateRequestError(AskIamError):
    """A request with this idempotency key was already recorded; the first one stands."""

    code = "DUPLICATE_REQUEST"


class GrantRecheckFailedError(AskIamError):
    """A grant's hard checks no longer pass under the target's lock: something changed for this person while the
    request was decided (another grant, say). Nothing was written; deciding again sees the change."""

    code = "GRANT_RECHECK_FAILED"


class IdempotencyKeyReusedError(AskIamError):
    """An idempotency key already used for a different request: the key names one request only."""

    code = "IDEMPOTENCY_KEY_REUSED"


class RateLimitedError(AskIamError):
    """Too many requests from one requester; retry after `retry_after_s` seconds."""

    code = "RATE_LIMITED"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ConfigurationError(ServiceUnavailableError):
    """A setting from Parameter Store or Secrets Manager is missing, unreadable or invalid; the message names it.

    Callers see "unavailable, try again" (nothing was changed); operators see the message in the logs.
    """

    code = "TRY_AGAIN"
