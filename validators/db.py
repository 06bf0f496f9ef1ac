"""Connections to the rules store: an embedded PostgreSQL on a laptop, any PostgreSQL given by URL elsewhere."""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from validators.db_auth import PasswordSource, password_kwargs
from validators.errors import EmbeddedServerError, StoreUnavailableError

log = logging.getLogger(__name__)

APP_ROLE = "askiam_app"
_MIGRATION_LOCK = 781_240_017
# A pooled connection back in use within this many seconds is handed out as it is. One idle for longer (a Lambda
# environment frozen between invocations, a server that may have closed it meanwhile) is tested first, with a round
# trip; testing every checkout cost one round trip per statement of a request.
CHECK_AFTER_IDLE_S = 5.0


def text_array(values: Iterable[str | None]) -> str:
    """A PostgreSQL array literal of texts, for a `%s::text[]` parameter: one string to send, where a list is dumped
    element by element in Python (a request's confidence lookup sends some 200 values). None is NULL; every text is
    quoted, so the text "NULL" stays a text."""
    return "{" + ",".join("NULL" if value is None else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
                          for value in values) + "}"


def int_array(values: Iterable[int]) -> str:
    """A PostgreSQL array literal of integers, for a `%s::int[]` parameter (see `text_array`)."""
    return "{" + ",".join(str(int(value)) for value in values) + "}"


def analyze(conn: psycopg.Connection[Any], table: str) -> None:
    """Fresh planner statistics for `table` after a bulk write, as its owner (migration 0011)."""
    conn.execute("SELECT askiam_analyze(%s)", (table,))


def start_embedded(home: Path) -> str:
    """Start (or join) the embedded PostgreSQL under `home` and return its URL.

    The server is shared by every AskIAM process using the same home and stops when the last one exits.
    """
    try:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its /tmp fallback is fine.
            warnings.simplefilter("ignore")
            import pgserver  # noqa: PLC0415 - optional local extra, absent from the Lambda package
    except ImportError as exc:
        raise EmbeddedServerError(
            "the embedded PostgreSQL needs the 'local' extra (pip install 'askiam[local]'), "
            "or set ASKIAM_DATABASE_URL to use another PostgreSQL"
        ) from exc
    home.mkdir(parents=True, exist_ok=True)
    # pgserver logs its own progress at INFO; keep the terminal for the conversation.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    _forget_dead_handles(home / "pgdata", pgserver)
    try:
        server = pgserver.get_server(home / "pgdata", cleanup_mode="stop")  # type: ignore[attr-defined]
    except Exception as exc:  # pgserver raises bare subprocess and assertion errors
        raise EmbeddedServerError(f"could not start the embedded PostgreSQL in {home / 'pgdata'}: {exc}") from exc
    uri: str = server.get_uri()
    return uri


def stop_embedded(home: Path) -> None:
    """Leave the embedded PostgreSQL under `home` now rather than at exit: it stops if no other process uses it.
    For a temporary home, which is deleted before the process exits."""
    pgserver = sys.modules.get("pgserver")
    if pgserver is None:
        return  # never started in this process
    server = pgserver.postgres_server.PostgresServer._instances.get((home / "pgdata").resolve())  # noqa: SLF001
    if server is not None:
        server.cleanup()


def _forget_dead_handles(pgdata: Path, pgserver: Any) -> None:
    """Drop the processes that died without clean-up (SIGKILL, a crash) from pgserver's list of users.

    pgserver stops the server when the last process on its list exits; a dead process left on the list would keep
    the server running for good after everyone else has gone. The list is read and written under pgserver's own
    inter-process lock, as pgserver itself does.
    """
    import psutil  # noqa: PLC0415 - a dependency of pgserver, like it only local

    handles = pgdata / ".handle_pids.json"
    with pgserver.postgres_server.PostgresServer._lock:  # noqa: SLF001 - the lock guarding this file
        try:
            pids = json.loads(handles.read_text())
        except (OSError, ValueError):
            return
        if not isinstance(pids, list):
            return
        alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
        if alive != pids:
            log.info("embedded PostgreSQL: %d exited process(es) taken off its list of users", len(pids) - len(alive))
            handles.write_text(json.dumps(alive))


def migrations() -> list[tuple[str, str]]:
    """The versioned SQL migrations shipped with the package, in order."""
    folder = resources.files("validators") / "migrations"
    files = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".sql"))
    return [(name, (folder / name).read_text(encoding="utf-8")) for name in files]


def migrate(url: str, password: PasswordSource | None = None) -> list[str]:
    """Apply pending migrations as the connecting (owner) user; safe to run concurrently and repeatedly."""
    applied: list[str] = []
    try:
        with psycopg.connect(url, autocommit=True, **password_kwargs(password)) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
            try:
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, "
                    "applied_at timestamptz NOT NULL DEFAULT now())"
                )
                done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
                for name, sql in migrations():
                    if name in done:
                        continue
                    with conn.transaction():
                        conn.execute(sql)  # trusted SQL shipped with the package
                        conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (name,))
                    applied.append(name)
                    log.info("applied migration %s", name)
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
    except psycopg.OperationalError as exc:
        raise StoreUnavailableError(f"cannot reach PostgreSQL to migrate: {exc}") from exc
    return applied


# psycopg prepares a statement on a connection once it has run a few times; PostgreSQL then re-plans it on every run
# unless it settles on one generic plan, which it did not for the request path's lookups (their arrays and keys make
# the generic plan's estimate look dearer). Their plans are index lookups whatever the parameters, so they are
# planned once: measured on a 50,000-person org, the server's CPU per request went from 3.4 to 2.8 ms. `askiam bench`
# checks the generic plan of every statement of a request for full scans.
PLAN_CACHE_MODE = "force_generic_plan"


def _enter_app_role(conn: psycopg.Connection[Any]) -> None:
    """Run as the application role when the login user may, so the audit log cannot be rewritten; plan prepared
    statements once."""
    row = conn.execute(
        "SELECT pg_has_role(current_user, oid, 'MEMBER') AS member FROM pg_roles WHERE rolname = %s", (APP_ROLE,)
    ).fetchone()
    if row and (row["member"] if isinstance(row, dict) else row[0]):
        conn.execute(f"SET ROLE {APP_ROLE}")
    conn.execute("SELECT set_config('plan_cache_mode', %s, false)", (PLAN_CACHE_MODE,))
    conn.commit()


class Database:
    """A pool of connections running as the application role.

    `password`, when given, is called for every new connection (an RDS IAM token lives 15 minutes, so a token taken
    once per process would lock out the connections opened after it expires).
    """

    def __init__(self, url: str, *, pool_size: int = 8, timeout_s: float = 10.0,
                 password: PasswordSource | None = None) -> None:
        self.url = url
        self._password = password
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            timeout=timeout_s,
            configure=_enter_app_role,
            kwargs=self._connect_kwargs,
            open=False,
            check=self._check_if_idle,
        )
        self._opened = False
        self._open_lock = threading.Lock()
        # Wall-clock time (it advances while a Lambda environment is frozen) when each connection was returned.
        self._returned_at: weakref.WeakKeyDictionary[psycopg.Connection[Any], float] = weakref.WeakKeyDictionary()

    def _check_if_idle(self, conn: psycopg.Connection[Any]) -> None:
        returned = self._returned_at.get(conn)
        if returned is None or time.time() - returned > CHECK_AFTER_IDLE_S:
            ConnectionPool.check_connection(conn)

    def _connect_kwargs(self) -> dict[str, Any]:
        return {"row_factory": dict_row, **password_kwargs(self._password)}

    def open(self) -> None:
        if self._opened:
            return
        # Threads that use the store first at the same moment open the pool once (psycopg_pool's own open is not
        # safe to call from several threads at once).
        with self._open_lock:
            if self._opened:
                return
            try:
                self._pool.open(wait=True, timeout=30)
            except PoolTimeout as exc:
                raise StoreUnavailableError(f"cannot connect to PostgreSQL: {exc}") from exc
            self._opened = True

    def close(self) -> None:
        with self._open_lock:
            if self._opened:
                self._pool.close()
                self._opened = False

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        """A pooled connection; a transaction commits when the block ends without an error."""
        self.open()
        try:
            with self._pool.connection() as conn:
                try:
                    yield conn
                finally:
                    # Noted here rather than in a pool `reset` callback: that would hand every return to a worker
                    # thread.
                    self._returned_at[conn] = time.time()
        except (PoolTimeout, psycopg.OperationalError, pg_errors.AdminShutdown) as exc:
            raise StoreUnavailableError(f"the rules store is unavailable, please try again: {exc}") from exc

    @contextmanager
    def reading(self) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        """A pooled connection for reads outside a transaction: each statement sees what is committed when it runs.

        No BEGIN and no COMMIT, so a single-statement read costs one round trip instead of three. For reads that
        must agree with each other, use `connection()` (one transaction, one snapshot)."""
        with self.connection() as conn:
            conn.autocommit = True
            try:
                yield conn
            finally:
                if conn.info.transaction_status == TransactionStatus.IDLE:
                    conn.autocommit = False  # back to the pool transactional, as every other user expects
