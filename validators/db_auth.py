"""How the functions sign in to PostgreSQL: a URL without a password, and a password made fresh per connection.

In AWS the password is an RDS IAM authentication token (valid 15 minutes, so one per new connection, never one per
process) or the password from a Secrets Manager secret (cached for a while by the caller, so a rotated password is
picked up by the next connections).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from validators.errors import StoreUnavailableError

PasswordSource = Callable[[], str]


@dataclass(frozen=True)
class DatabaseTarget:
    """Where to connect (`url`, safe to print: it never holds the password) and how to get the password."""

    url: str
    password: PasswordSource | None = None
    # The embedded PostgreSQL of this machine: it runs only while some askiam process uses it.
    embedded: bool = False

    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for one new connection: a fresh password when there is a source."""
        return password_kwargs(self.password)


def given_target(url: str) -> DatabaseTarget:
    """The target for a connection string given in the settings, its password (if it holds one) moved out of the
    URL into the password source, so that the URL can be printed and logged."""
    password = conninfo_to_dict(url).get("password")
    if not password:
        return DatabaseTarget(url)
    parts = urlsplit(url)
    if parts.scheme in ("postgres", "postgresql"):
        user, _, host = parts.netloc.rpartition("@")
        query = "&".join(pair for pair in parts.query.split("&") if pair and not pair.startswith("password="))
        shown = urlunsplit(parts._replace(netloc=f"{user.partition(':')[0]}@{host}", query=query))
    else:  # key=value pairs
        shown = make_conninfo("", **{key: value for key, value in conninfo_to_dict(url).items() if key != "password"})
    secret = str(password)
    return DatabaseTarget(shown, password=lambda: secret)


def password_kwargs(source: PasswordSource | None) -> dict[str, Any]:
    """`password=` for one new connection, taken from the source now; nothing without a source."""
    return {"password": source()} if source is not None else {}


def database_url(*, host: str, port: int, dbname: str | None, user: str, sslmode: str | None = None) -> str:
    """A postgresql:// URL without a password."""
    url = f"postgresql://{quote(user, safe='')}@{quote(host, safe='')}:{port}/{quote(dbname or '', safe='')}"
    return f"{url}?sslmode={sslmode}" if sslmode else url


def with_tls(url: str) -> str:
    """The URL with sslmode=require unless it already names an sslmode (verify-full, for one)."""
    if "sslmode" in conninfo_to_dict(url):
        return url
    if url.startswith(("postgresql://", "postgres://")):
        return f"{url}{'&' if '?' in url else '?'}sslmode=require"
    return make_conninfo(url, sslmode="require")


def url_parts(url: str) -> tuple[str, int, str]:
    """Host, port and user named by a URL (what an IAM token is signed for)."""
    parts = conninfo_to_dict(url)
    host, user = parts.get("host"), parts.get("user")
    if not host or not user:
        raise StoreUnavailableError("IAM database authentication needs a URL with a host and a user")
    return str(host), int(parts.get("port") or 5432), str(user)


def iam_token_source(host: str, port: int, user: str, region: str, client: Any = None) -> PasswordSource:
    """A function returning a new RDS IAM authentication token each time it is called.

    Signing is local (no network call); the token is a presigned URL valid for 15 minutes.
    """
    if client is None:
        import boto3  # noqa: PLC0415 - only the AWS path needs it

        client = boto3.client("rds", region_name=region)

    def token() -> str:
        value: str = client.generate_db_auth_token(DBHostname=host, Port=port, DBUsername=user, Region=region)
        return value

    return token
