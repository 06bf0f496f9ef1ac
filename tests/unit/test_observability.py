"""The Powertools telemetry adapter: EMF documents, the decision log line, trace subsegments; none of it locally."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count
from typing import Any

import pytest
from aws_lambda_powertools import Logger, Tracer

from bot.bootstrap import build
from bot.domain import Decision, Outcome, Reason
from bot.observability import PowertoolsTelemetry
from bot.ports import NoTelemetry
from bot.settings import PowertoolsSettings, Settings

_services = count(1)


def emf_documents(text: str) -> list[dict[str, Any]]:
    """The EMF documents among lines of standard output."""
    documents = [json.loads(line) for line in text.splitlines() if line.startswith('{"_aws"')]
    for document in documents:
        (directive,) = document["_aws"]["CloudWatchMetrics"]
        for dimension_set in directive["Dimensions"]:
            assert all(name in document for name in dimension_set)  # every dimension has its value
    return documents


def metric(documents: list[dict[str, Any]], name: str, **dimensions: str) -> list[Any]:
    found = []
    for document in documents:
        directive = document["_aws"]["CloudWatchMetrics"][0]
        if name in {m["Name"] for m in directive["Metrics"]} and all(document.get(k) == v for k, v in
                                                                      dimensions.items()):
            found.append((directive["Namespace"], document[name], [m["Unit"] for m in directive["Metrics"]][0]))
    return found


def telemetry(stream: io.StringIO, **kwargs: Any) -> PowertoolsTelemetry:
    service = f"askiam-test-{next(_services)}"
    return PowertoolsTelemetry(PowertoolsSettings(service_name=service, metrics_namespace="AskIAM"),
                               logger=Logger(service=service, logger_handler=logging.StreamHandler(stream)), **kwargs)


OUTCOME = Outcome(request_id="R-42", decision=Decision.PENDING_APPROVAL, reason=Reason.LOW_CONFIDENCE,
                  user_id="bob", app_id="ledgerly", role_id="ledgerly-viewer", confidence=0.62, checks=[],
                  evidence=[], message="sent to an approver", requester_id="ana")


def test_a_decision_writes_its_metrics_as_emf(capsys: pytest.CaptureFixture[str]) -> None:
    telemetry(io.StringIO()).decided(OUTCOME, channel="api", latency_ms={"rules": 4.5, "retrieval": 12.0,
                                                                          "total": 30.25})
    documents = emf_documents(capsys.readouterr().out)
    assert metric(documents, "AccessRequestCount", decision="PENDING_APPROVAL") == [("AskIAM", [1.0], "Count")]
    assert metric(documents, "ValidationLatency", component="rules") == [("AskIAM", [4.5], "Milliseconds")]
    assert metric(documents, "ValidationLatency", component="retrieval") == [("AskIAM", [12.0], "Milliseconds")]
    assert metric(documents, "ValidationLatency", component="total") == [("AskIAM", [30.25], "Milliseconds")]
    assert metric(documents, "RAGConfidence") == [("AskIAM", [0.62], "None")]
    assert {tuple(d["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]) for d in documents} == {
        ("service", "decision"), ("service", "component"), ("service",)}


def test_no_confidence_no_confidence_metric_and_errors_are_counted(capsys: pytest.CaptureFixture[str]) -> None:
    t = telemetry(io.StringIO())
    t.decided(OUTCOME.model_copy(update={"confidence": None, "decision": Decision.DENIED}), channel="lex",
              latency_ms={"total": 3.0})
    t.error("retrieval")
    documents = emf_documents(capsys.readouterr().out)
    assert metric(documents, "RAGConfidence") == []
    assert metric(documents, "AccessRequestCount", decision="DENIED") == [("AskIAM", [1.0], "Count")]
    assert metric(documents, "ErrorCount", component="retrieval") == [("AskIAM", [1.0], "Count")]


def test_the_decision_log_line_has_request_id_user_and_decision() -> None:
    stream = io.StringIO()
    t = telemetry(stream)

    class Context:
        aws_request_id = "6f1b4c1e-0000-4000-8000-00000000abcd"
        function_name = "askiam-api-prod"

    t.begin(Context())
    t.decided(OUTCOME, channel="api", latency_ms={"total": 1.0})
    (line,) = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["message"] == "access request decided" and line["level"] == "INFO"
    assert (line["request_id"], line["user"], line["decision"], line["reason"]) == (
        "R-42", "ana", "PENDING_APPROVAL", "LOW_CONFIDENCE")
    assert line["function_request_id"] == "6f1b4c1e-0000-4000-8000-00000000abcd"
    t.begin(None)  # the next invocation (or a test without a context) does not inherit the last one's keys
    t.decided(OUTCOME, channel="api", latency_ms={"total": 1.0})
    assert "function_request_id" not in json.loads(stream.getvalue().splitlines()[-1])


class RecordingProvider:
    def __init__(self) -> None:
        self.names: list[str] = []

    @contextmanager
    def in_subsegment(self, name: str) -> Iterator[None]:
        self.names.append(name)
        yield


class RecordingTracer:
    def __init__(self) -> None:
        self.provider = RecordingProvider()


def test_spans_are_x_ray_subsegments() -> None:
    tracer = RecordingTracer()
    t = telemetry(io.StringIO(), tracer=tracer)  # type: ignore[arg-type]
    with t.span("rules"), t.span("judge"):
        pass
    assert tracer.provider.names == ["## rules", "## judge"]


def test_tracing_can_be_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "askiam-api-test")  # as if deployed: tracing would be on
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    Tracer._reset_config()
    try:
        t = telemetry(io.StringIO())
        assert t.tracer._is_tracer_disabled()
        with t.span("rules"):  # no X-Ray daemon, no segment: still fine
            pass
    finally:
        Tracer._reset_config()


def test_locally_the_application_has_no_telemetry(tmp_path: Any) -> None:
    app = build(Settings(home=tmp_path, database_url="postgresql://nobody@127.0.0.1:1/none"))
    assert isinstance(app.telemetry, NoTelemetry)
    app.close()
