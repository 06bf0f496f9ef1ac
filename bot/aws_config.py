"""Configuration kept in AWS: Parameter Store values and the database secret, read through Powertools parameters.

Both are cached for `max_age_s` seconds, so a warm function does not call SSM or Secrets Manager on every request
and still sees a changed value (or a rotated password) within that time. Every failure is a ConfigurationError that
names the parameter path or the secret, never its value.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from psycopg.conninfo import make_conninfo
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from bot.errors import ConfigurationError
from bot.settings import PARAMETER_FIELDS, Settings

if TYPE_CHECKING:
    from validators.db_auth import DatabaseTarget

log = logging.getLogger(__name__)


def _boto_config(region: str | None) -> Any:
    from botocore.config import Config  # noqa: PLC0415 - only the AWS path needs it

    return Config(region_name=region, connect_timeout=3, read_timeout=5, retries={"mode": "standard",
                                                                                   "max_attempts": 3})


class ParameterStore:
    """The parameters under one path (GetParametersByPath, recursive, decrypted), cached."""

    def __init__(self, *, region: str | None = None, max_age_s: int = 300, client: Any = None) -> None:
        from aws_lambda_powertools.utilities.parameters import SSMProvider  # noqa: PLC0415

        self._provider = SSMProvider(boto3_client=client) if client is not None else \
            SSMProvider(boto_config=_boto_config(region))
        self._max_age_s = max_age_s

    def read(self, path: str) -> dict[str, str]:
        """Parameter values by name relative to `path` (e.g. "opensearch/history-index")."""
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError  # noqa: PLC0415

        try:
            values: dict[str, Any] = self._provider.get_multiple(path, max_age=self._max_age_s, recursive=True,
                                                                 decrypt=True)
        except GetParameterError as exc:
            raise ConfigurationError(f"cannot read the parameters under {path}: {exc}") from exc
        if not values:
            raise ConfigurationError(f"there are no parameters under {path} (ASKIAM_PARAMETERS_PATH); "
                                     "is the path right and the stack deployed?")
        unknown = sorted(set(values) - set(PARAMETER_FIELDS))
        if unknown:
            log.warning("ignoring parameters AskIAM does not know under %s: %s", path, ", ".join(unknown))
        return {name: str(value) for name, value in values.items()}


class DatabaseSecret(BaseModel):
    """A database secret as RDS writes it: a managed master secret has only username and password; a secret made
    for rotation also has engine, host, port and dbname."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    username: str = Field(min_length=1)
    password: SecretStr
    host: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    dbname: str | None = None
    engine: str | None = None


class SecretReader:
    """One Secrets Manager secret holding database credentials (GetSecretValue), cached."""

    def __init__(self, secret_id: str, *, region: str | None = None, max_age_s: int = 300,
                 client: Any = None) -> None:
        from aws_lambda_powertools.utilities.parameters import SecretsProvider  # noqa: PLC0415

        self._provider = SecretsProvider(boto3_client=client) if client is not None else \
            SecretsProvider(boto_config=_boto_config(region))
        self.secret_id = secret_id
        self._max_age_s = max_age_s

    def read(self) -> DatabaseSecret:
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError  # noqa: PLC0415

        try:
            raw: Any = self._provider.get(self.secret_id, max_age=self._max_age_s)
        except GetParameterError as exc:
            raise ConfigurationError(f"cannot read the database secret {self.secret_id}: {exc}") from exc
        try:
            document = json.loads(raw)
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(f"the database secret {self.secret_id} is not a JSON object") from exc
        try:
            return DatabaseSecret.model_validate(document)
        except ValidationError as exc:
            # Name the keys that are wrong, never the values (one of them is a password).
            keys = ", ".join(sorted({".".join(str(p) for p in error["loc"]) or "(document)" for error in exc.errors()}))
            raise ConfigurationError(f"the database secret {self.secret_id} lacks or has an invalid {keys} "
                                     "(expected a JSON object with username and password)") from exc

    def password(self) -> str:
        """The current password (from the cache while it is fresh): a password source for each new connection."""
        return self.read().password.get_secret_value()


def database_target(settings: Settings, clients: Mapping[str, Any]) -> DatabaseTarget | None:
    """Where and how the functions sign in to PostgreSQL in AWS; None when no AWS sign-in is configured.

    With a secret, the user and password come from it and the host, port and database name from the settings,
    or from the secret where the settings leave them out. With IAM authentication, every new connection gets a
    fresh token. Both run over TLS (sslmode=require) unless ASKIAM_DATABASE_URL names another sslmode.
    """
    from validators.db_auth import DatabaseTarget, database_url, iam_token_source, url_parts, with_tls  # noqa: PLC0415

    if settings.database_secret_arn:
        reader = SecretReader(settings.database_secret_arn, region=settings.aws_region,
                              max_age_s=settings.parameters_max_age_s, client=clients.get("secretsmanager"))
        secret = reader.read()
        if settings.database_url:
            url = with_tls(make_conninfo(settings.database_url, user=secret.username))
        else:
            host = settings.database_host or secret.host
            if not host:
                raise ConfigurationError(f"the database secret {reader.secret_id} names no host: set "
                                         "ASKIAM_DATABASE_HOST")
            port = settings.database_port if "database_port" in settings.model_fields_set or secret.port is None \
                else secret.port
            url = database_url(host=host, port=port, dbname=settings.database_name or secret.dbname,
                               user=secret.username, sslmode="require")
        return DatabaseTarget(url, reader.password)
    if settings.database_iam_auth:
        if not settings.aws_region:
            raise ConfigurationError("IAM database authentication needs the region (AWS_REGION)")
        if settings.database_url:
            url = with_tls(settings.database_url)
        else:
            assert settings.database_host and settings.database_user  # checked by the settings
            url = database_url(host=settings.database_host, port=settings.database_port,
                               dbname=settings.database_name, user=settings.database_user, sslmode="require")
        host, port, user = url_parts(url)
        return DatabaseTarget(url, iam_token_source(host, port, user, settings.aws_region, client=clients.get("rds")))
    return None
