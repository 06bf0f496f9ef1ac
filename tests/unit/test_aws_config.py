"""Configuration in AWS: Parameter Store values and the database secret through Powertools parameters, against
botocore's Stubber with the real response shapes of GetParametersByPath and GetSecretValue (no network)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from pydantic import ValidationError

from bot.aws_config import ParameterStore, SecretReader, database_target
from bot.bootstrap import Application
from bot.errors import ConfigurationError
from bot.settings import Settings
from tests.unit.test_lex_support import assert_valid_response, load_event, messages_of

REGION = "eu-west-1"
ACCOUNT = "123456789012"
PATH = "/askiam/prod/"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rds!cluster-0a1b2c3d-AbCdEf"


def _client(service: str) -> Any:
    return boto3.client(service, region_name=REGION, aws_access_key_id="AKIDEXAMPLE",
                        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")


def _parameter(name: str, value: str) -> dict[str, Any]:
    return {"Name": f"{PATH}{name}", "Type": "String", "Value": value, "Version": 3,
            "LastModifiedDate": datetime(2025, 1, 6, 9, 30, tzinfo=UTC), "DataType": "text",
            "ARN": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{PATH}{name}"}


def _by_path(pages: list[list[dict[str, Any]]]) -> Any:
    """An SSM client that answers GetParametersByPath with these pages, in order (NextToken between them)."""
    client = _client("ssm")
    stubber = Stubber(client)
    for number, page in enumerate(pages):
        expected: dict[str, Any] = {"Path": PATH, "Recursive": True, "WithDecryption": True}
        response: dict[str, Any] = {"Parameters": page}
        if number:
            expected["NextToken"] = f"token-{number}"
        if number < len(pages) - 1:
            response["NextToken"] = f"token-{number + 1}"
        stubber.add_response("get_parameters_by_path", response, expected)
    stubber.activate()
    return client


def _secret(document: Any, *, times: int = 1) -> Any:
    client = _client("secretsmanager")
    stubber = Stubber(client)
    for _ in range(times):
        stubber.add_response("get_secret_value", {
            "ARN": SECRET_ARN, "Name": "rds!cluster-0a1b2c3d", "VersionId": "8a1b2c3d-0000-4000-8000-000000000001",
            "SecretString": document if isinstance(document, str) else json.dumps(document),
            "VersionStages": ["AWSCURRENT"], "CreatedDate": datetime(2025, 1, 6, 9, 30, tzinfo=UTC),
        }, {"SecretId": SECRET_ARN})
    stubber.activate()
    return client


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(__import__("os").environ):
        if name.startswith("ASKIAM_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_REGION", REGION)


# --- Parameter Store ----------------------------------------------------------------------------------------------


def test_parameters_fill_the_settings_and_environment_variables_win(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("ASKIAM_ENV", "aws")
    monkeypatch.setenv("ASKIAM_PARAMETERS_PATH", PATH)
    monkeypatch.setenv("ASKIAM_OPENSEARCH_POLICY_INDEX", "policy-from-env")
    client = _by_path([
        [_parameter("auto-approve-threshold", "0.9"), _parameter("opensearch/history-index", "history-v2"),
         _parameter("opensearch/policy-index", "policy-from-ssm")],
        [_parameter("features/policy-judge", "true"), _parameter("opensearch/endpoint", "https://x.aoss.amazonaws.com"),
         _parameter("features/brand-new-flag", "on")],
    ])
    app = Application(Settings(home=tmp_path), clients={"ssm": client})
    with caplog.at_level(logging.WARNING):
        settings = app.settings
    assert settings.auto_approve_threshold == 0.9
    assert settings.opensearch_history_index == "history-v2"
    assert settings.opensearch_policy_index == "policy-from-env"  # the environment variable wins
    assert settings.policy_judge is True and settings.opensearch_endpoint == "https://x.aoss.amazonaws.com"
    assert settings.delegate_role_id == "askiam-delegate"  # neither: the default
    assert "features/brand-new-flag" in caplog.text
    assert app.settings is settings  # read once per process


def test_parameters_are_cached_for_their_max_age() -> None:
    store = ParameterStore(max_age_s=300, client=_by_path([[_parameter("auto-approve-threshold", "0.9")]]))
    assert store.read(PATH) == store.read(PATH) == {"auto-approve-threshold": "0.9"}  # one call stubbed
    fresh = ParameterStore(max_age_s=0, client=_by_path([[_parameter("auto-approve-threshold", "0.9")]]))
    fresh.read(PATH)
    with pytest.raises(ConfigurationError):  # max age 0: a second read calls SSM, which has no answer left
        fresh.read(PATH)


def test_outside_aws_parameter_store_is_never_read(tmp_path: Path) -> None:
    client = _by_path([])  # any call would fail: nothing is stubbed
    app = Application(Settings(home=tmp_path, env="local", parameters_path=PATH), clients={"ssm": client})
    assert app.settings is app.given_settings


def test_a_bad_parameter_is_named_and_its_setting_not_changed(tmp_path: Path) -> None:
    client = _by_path([[_parameter("auto-approve-threshold", "1.5"), _parameter("history-neighbours", "many"),
                        _parameter("opensearch/history-index", "fine")]])
    app = Application(Settings(home=tmp_path, env="aws", parameters_path=PATH), clients={"ssm": client})
    with pytest.raises(ConfigurationError) as caught:
        _ = app.settings
    message = str(caught.value)
    assert f"{PATH}auto-approve-threshold: Input should be less than or equal to 1" in message
    assert f"{PATH}history-neighbours: " in message
    assert "history-index" not in message


def test_no_parameters_under_the_path_is_an_error_naming_the_path() -> None:
    with pytest.raises(ConfigurationError, match=r"no parameters under /askiam/prod/"):
        ParameterStore(client=_by_path([[]])).read(PATH)


def test_access_denied_is_an_error_naming_the_path() -> None:
    client = _client("ssm")
    stubber = Stubber(client)
    stubber.add_client_error("get_parameters_by_path", service_error_code="AccessDeniedException",
                             service_message="not authorized to perform: ssm:GetParametersByPath", http_status_code=400)
    stubber.activate()
    with pytest.raises(ConfigurationError, match=r"cannot read the parameters under /askiam/prod/.*AccessDenied"):
        ParameterStore(client=client).read(PATH)


def test_the_command_line_reports_a_configuration_error_without_a_traceback(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli.main import main

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("ASKIAM_HOME", str(tmp_path))
    monkeypatch.setenv("ASKIAM_ENV", "aws")
    monkeypatch.setenv("ASKIAM_PARAMETERS_PATH", PATH)
    code = main(["db", "url"])
    captured = capsys.readouterr()
    assert code == 3
    assert "cannot read the parameters under /askiam/prod/" in captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def test_the_lex_channel_answers_a_configuration_error_politely(tmp_path: Path,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    from lex import handler

    client = _by_path([[_parameter("auto-approve-threshold", "high")]])
    handler.set_application(Application(Settings(home=tmp_path, env="aws", parameters_path=PATH),
                                        clients={"ssm": client}))
    try:
        with caplog.at_level(logging.ERROR):
            response = handler.lambda_handler(load_event("ana_01_access_ledgerly.json"), None)
    finally:
        handler.set_application(None)
    assert_valid_response(response)
    assert "unavailable for a moment" in " ".join(messages_of(response))
    assert f"{PATH}auto-approve-threshold" in caplog.text  # the operator sees which parameter


# --- Secrets Manager -----------------------------------------------------------------------------------------------


def test_an_rds_managed_secret_gives_user_and_password_and_the_settings_the_host(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, env="aws", database_secret_arn=SECRET_ARN, database_host="db.cluster.local",
                        database_name="askiam")
    client = _secret({"username": "askiam_admin", "password": "s3cr3t;p@ss word"}, times=1)
    target = database_target(settings, {"secretsmanager": client})
    assert target is not None
    assert target.url == "postgresql://askiam_admin@db.cluster.local:5432/askiam?sslmode=require"
    assert "s3cr3t" not in target.url
    assert target.password is not None and target.password() == "s3cr3t;p@ss word"  # from the cache: one call


def test_a_rotation_shaped_secret_fills_host_port_and_database(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, env="aws", database_secret_arn=SECRET_ARN)
    client = _secret({"engine": "postgres", "host": "db.example.internal", "port": 6432, "dbname": "iam",
                      "username": "askiam_app", "password": "pw", "dbClusterIdentifier": "askiam"})
    target = database_target(settings, {"secretsmanager": client})
    assert target is not None and target.url == "postgresql://askiam_app@db.example.internal:6432/iam?sslmode=require"


@pytest.mark.parametrize(("document", "named"), [
    ({"username": "askiam_admin"}, "password"),
    ({"password": "hunter2-secret"}, "username"),
    ({"username": "", "password": "hunter2-secret"}, "username"),
    ("not json at all", "is not a JSON object"),
    (["username", "password"], "(document)"),
])
def test_a_bad_secret_names_what_is_wrong_and_never_the_password(document: Any, named: str) -> None:
    reader = SecretReader(SECRET_ARN, client=_secret(document))
    with pytest.raises(ConfigurationError) as caught:
        reader.read()
    assert named in str(caught.value) and SECRET_ARN in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_a_secret_without_a_host_asks_for_one(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, env="aws", database_secret_arn=SECRET_ARN)
    with pytest.raises(ConfigurationError, match="ASKIAM_DATABASE_HOST"):
        database_target(settings, {"secretsmanager": _secret({"username": "u", "password": "p"})})


def test_the_secret_is_read_again_once_its_cache_expires() -> None:
    client = _secret({"username": "u", "password": "first"}, times=2)
    reader = SecretReader(SECRET_ARN, max_age_s=0, client=client)
    assert reader.password() == "first"
    assert reader.password() == "first"  # a second GetSecretValue was made (two were stubbed; both used)
    with pytest.raises(ConfigurationError):
        reader.password()


# --- IAM database authentication -------------------------------------------------------------------------------------


class CountingTokens:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def generate_db_auth_token(self, **kwargs: Any) -> str:
        self.calls.append(kwargs)
        return f"token-{len(self.calls)}"


def test_iam_auth_signs_a_fresh_token_for_each_connection_over_tls(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, env="aws", database_iam_auth=True, database_host="db.cluster.local",
                        database_user="askiam_lambda", database_name="askiam", aws_region=REGION)
    tokens = CountingTokens()
    target = database_target(settings, {"rds": tokens})
    assert target is not None
    assert target.url == "postgresql://askiam_lambda@db.cluster.local:5432/askiam?sslmode=require"
    assert target.connect_kwargs() == {"password": "token-1"}
    assert target.connect_kwargs() == {"password": "token-2"}
    assert tokens.calls[0] == {"DBHostname": "db.cluster.local", "Port": 5432, "DBUsername": "askiam_lambda",
                               "Region": REGION}


def test_the_pool_asks_for_a_password_per_new_connection() -> None:
    from validators.db import Database

    tokens = iter(["token-1", "token-2"])
    database = Database("postgresql://askiam_lambda@db.cluster.local/askiam", password=lambda: next(tokens))
    first, second = database._connect_kwargs(), database._connect_kwargs()
    assert first["password"] == "token-1" and second["password"] == "token-2"
    assert first["row_factory"] is second["row_factory"]


def test_a_real_rds_client_signs_a_token_for_the_user_and_host(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, env="aws", database_iam_auth=True, aws_region=REGION,
                        database_url="postgresql://askiam_lambda@db.cluster.local:5432/askiam?sslmode=verify-full")
    target = database_target(settings, {"rds": _client("rds")})
    assert target is not None and target.url.endswith("sslmode=verify-full")  # the URL's own sslmode is kept
    token = target.connect_kwargs()["password"]
    assert token.startswith("db.cluster.local:5432/?Action=connect&DBUser=askiam_lambda&")
    assert "X-Amz-Signature=" in token and "X-Amz-Expires=900" in token


def test_iam_auth_and_a_secret_are_two_ways_to_sign_in(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="set one"):
        Settings(home=tmp_path, database_iam_auth=True, database_secret_arn=SECRET_ARN, database_host="h",
                 database_user="u")
    with pytest.raises(ValidationError, match="ASKIAM_DATABASE_HOST"):
        Settings(home=tmp_path, database_iam_auth=True)
