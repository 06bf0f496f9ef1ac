"""Contract tests generated from the OpenAPI document: no 5xx, and every response fits its documented schema.

Schemathesis generates the requests from the document the server itself serves at /openapi.json and sends
them to the local server (the Lambda handler behind the API Gateway event translation), in this process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fakes.bundles import rules_org

pytestmark = pytest.mark.integration

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
# Bounded so that the whole module stays well under a minute.
EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 15}
OPERATIONS = [("POST", "/chat"), ("POST", "/access-requests"), ("GET", "/access-requests/{request_id}"),
              ("POST", "/access-requests/{request_id}/withdraw"), ("GET", "/health"), ("GET", "/demo/users"),
              ("GET", "/approvals"),
              ("POST", "/approvals/{request_id}/decision"), ("GET", "/audit/events"), ("GET", "/audit/export"),
              ("GET", "/audit/reports")]


@pytest.fixture
def api_schema(app_factory, tmp_path: Path) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    from bot.api.local_server import serving

    # The per-requester rate limit would turn most generated requests into 429s; here the service should answer.
    application = app_factory(rate_limit_per_minute=100_000)
    application.import_bundle(rules_org(tmp_path / "org"))
    with serving(application) as url:
        yield schemathesis.openapi.from_url(f"{url}/openapi.json")


def _has_inputs(operation: Any) -> bool:
    return bool(operation.body or operation.path_parameters or operation.query or operation.headers)


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=str)
def test_every_operation_keeps_its_contract(api_schema, mode: GenerationMode) -> None:  # type: ignore[no-untyped-def]
    documented = {(result.ok().method.upper(), result.ok().path) for result in api_schema.get_all_operations()}
    assert documented == set(OPERATIONS)
    for method, path in OPERATIONS:
        operation = api_schema[path][method]
        if mode is GenerationMode.NEGATIVE and not _has_inputs(operation):
            continue  # nothing in the request that could be made invalid

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES[mode], deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def keeps_contract(case: Any) -> None:
            case.call_and_validate(headers={"Authorization": "Bearer dev:ana"}, checks=CHECKS)

        keeps_contract()
