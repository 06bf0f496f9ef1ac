"""The application behind the HTTP channel: built once per process on first use, replaceable by tests."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol

from bot.api.repository import ConversationRepository
from bot.api.settings import ApiSettings
from bot.bootstrap import Application, build, lambda_telemetry
from bot.conversation import ConversationState
from bot.ports import Directory, NoTelemetry, Telemetry
from bot.settings import Settings


class Conversations(Protocol):
    def load(self, conversation_id: str, requester_id: str) -> ConversationState | None: ...

    def exists(self, conversation_id: str) -> bool: ...

    def save(self, conversation_id: str, requester_id: str, state: ConversationState) -> None: ...


@dataclass
class ApiRuntime:
    """The application and what the HTTP channel adds to it; adapters are built from it on first use."""

    app: Application
    api: ApiSettings = field(default_factory=ApiSettings)
    conversations_port: Conversations | None = None
    directory_port: Directory | None = None
    telemetry: Telemetry = field(default_factory=NoTelemetry)

    @property
    def conversations(self) -> Conversations:
        if self.conversations_port is None:
            self.conversations_port = ConversationRepository(self.app.database.connection)
        return self.conversations_port

    @property
    def directory(self) -> Directory:
        if self.directory_port is None:
            from validators.directory import SqlDirectory  # noqa: PLC0415 - adapters load only when used

            self.directory_port = SqlDirectory(self.app.database)
        return self.directory_port

    @property
    def is_local(self) -> bool:
        return self.app.settings.env == "local"


_lock = threading.Lock()
_runtime: ApiRuntime | None = None


def current() -> ApiRuntime:
    """The process's runtime, built from the environment's settings on the first request (no import-time I/O)."""
    global _runtime
    if _runtime is None:
        with _lock:
            if _runtime is None:
                # Only the Lambda function builds here (the local server and tests install theirs): Powertools.
                telemetry = lambda_telemetry()
                _runtime = ApiRuntime(build(Settings(), telemetry=telemetry), ApiSettings(), telemetry=telemetry)
    return _runtime


def install(app: Application | None, api: ApiSettings | None = None, *, conversations: Conversations | None = None,
            directory: Directory | None = None) -> None:
    """Serve this application from now on (tests, the local server); None goes back to building one lazily.

    `conversations` and `directory` replace the PostgreSQL adapters, for unit tests that run without a database.
    """
    global _runtime
    with _lock:
        _runtime = None if app is None else ApiRuntime(app, api or ApiSettings(), conversations, directory)
