"""The Lambda entry point for the Lex V2 code hooks (dialog and fulfilment) of the AskIAM bot.

Parse the event, answer the turn, render the response; any failure becomes a polite Close in one place. The
application is built once per process on the first turn that needs it; tests install their own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from bot.bootstrap import Application, build, lambda_telemetry
from bot.errors import AskIamError, ServiceUnavailableError
from bot.ports import Directory, NoTelemetry, Telemetry
from bot.settings import Settings
from lex.dialog import LexPorts, respond
from lex.errors import IdentityConfigError, LexError
from lex.events import parse_event
from lex.identity import CognitoJwksVerifier, TokenVerifier, requester_id
from lex.preview import preview_service
from lex.responses import error_response
from lex.settings import LexSettings

log = logging.getLogger(__name__)

__all__ = ["LexRuntime", "lambda_handler", "set_application"]


@dataclass
class LexRuntime:
    """The application and the identity verifier behind the Lex channel."""

    app: Application
    lex: LexSettings = field(default_factory=LexSettings)
    verifier_override: TokenVerifier | None = None
    telemetry: Telemetry = field(default_factory=NoTelemetry)

    @cached_property
    def ports(self) -> LexPorts:
        return LexPorts(service=self.app.service, preview=preview_service(self.app), requests=self.app.store,
                        approvals=self.app.approvals)

    @property
    def local(self) -> bool:
        """The local identity (a plain `requester_id`) is honoured only locally, never inside a deployed Lambda."""
        if self.app.settings.env != "local":
            return False
        if self.lex.in_deployed_lambda:
            log.error("ASKIAM_ENV=local inside a deployed Lambda: requester_id is ignored, sign-in is required")
            return False
        return True

    @cached_property
    def verifier(self) -> TokenVerifier | None:
        if self.verifier_override is not None:
            return self.verifier_override
        try:
            return CognitoJwksVerifier.from_settings(self.lex)
        except IdentityConfigError as exc:
            log.error("no Cognito ID-token verifier: %s", exc)
            return None

    def directory(self) -> Directory:
        return self.app.service.ports.directory

    def requester_id(self, attributes: Mapping[str, str]) -> str:
        local = self.local
        return requester_id(attributes, local=local, verifier=None if local else self.verifier, lex=self.lex,
                            directory=self.directory)


_lock = threading.Lock()
_runtime: LexRuntime | None = None


def current() -> LexRuntime:
    """The process's runtime, built from the environment's settings on first use (no import-time I/O)."""
    global _runtime
    if _runtime is None:
        with _lock:
            if _runtime is None:
                telemetry = lambda_telemetry()
                _runtime = LexRuntime(build(Settings(), telemetry=telemetry), LexSettings(), telemetry=telemetry)
    return _runtime


def set_application(app: Application | None, *, lex: LexSettings | None = None,
                    verifier: TokenVerifier | None = None) -> None:
    """Serve this application from now on (tests, local runs); None goes back to building one lazily."""
    global _runtime
    with _lock:
        _runtime = None if app is None else LexRuntime(app, lex or LexSettings(), verifier)


def lambda_handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Answer one Lex V2 code-hook invocation with a Lex V2 response; no exception leaves this function."""
    telemetry: Telemetry = NoTelemetry()
    try:
        runtime = current()
        telemetry = runtime.telemetry
        telemetry.begin(context)
        return respond(runtime, parse_event(event)).to_event()
    except Exception as exc:  # the one place that turns any failure into an answer instead of a Lex error
        if _is_a_failure(exc):
            telemetry.error("lex")
        intent_name, attributes = _echo(event)
        return error_response(exc, intent_name, attributes).to_event()


def _is_a_failure(exc: Exception) -> bool:
    """Ours to fix or wait out (a store down, a bug), as against the caller's doing (not signed in, rate limited)."""
    if isinstance(exc, ServiceUnavailableError):
        return True
    from validators.errors import StoreUnavailableError  # noqa: PLC0415 - adapters load only when used

    return isinstance(exc, StoreUnavailableError) or not isinstance(exc, AskIamError | LexError)


def _echo(event: object) -> tuple[str, dict[str, str]]:
    """The intent name and string session attributes of an event that may be malformed, to answer in kind."""
    state = event.get("sessionState") if isinstance(event, Mapping) else None
    if not isinstance(state, Mapping):
        return "", {}
    intent = state.get("intent")
    name = intent.get("name") if isinstance(intent, Mapping) else None
    attributes = state.get("sessionAttributes")
    kept = {key: value for key, value in attributes.items() if isinstance(key, str) and key and
            isinstance(value, str)} if isinstance(attributes, Mapping) else {}
    return (name if isinstance(name, str) and 0 < len(name) <= 100 else ""), kept
