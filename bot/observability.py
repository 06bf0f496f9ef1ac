"""Telemetry for the Lambda functions with Powertools: JSON logs, X-Ray subsegments and CloudWatch EMF metrics.

Metrics (namespace from POWERTOOLS_METRICS_NAMESPACE, default AskIAM; every one with the `service` dimension):

- AccessRequestCount (Count), dimension `decision`: one per answered request;
- ValidationLatency (Milliseconds), dimension `component`: `rules`, `retrieval` and `total` per request;
- RAGConfidence (None): the approval confidence, when there is one;
- ErrorCount (Count), dimension `component`: retrieval that failed or timed out, a channel's unexpected error.

Each is written as its own EMF document at once (a dimension value belongs to a whole document, and a metric
written at once is not lost when a function times out). Only the Lambda entry points use this adapter: the command
line's standard output stays free of EMF.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from bot.domain import Outcome
from bot.ports import Embedder, Telemetry
from bot.settings import PowertoolsSettings

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

# The packages whose standard-library loggers write through the Powertools logger (same JSON, same keys).
_PACKAGES = ("bot", "validators", "retrieval", "lex", "outbox")


class PowertoolsTelemetry:
    """The Telemetry port over Powertools Logger, Tracer and Metrics."""

    def __init__(self, settings: PowertoolsSettings | None = None, *, logger: Logger | None = None,
                 tracer: Tracer | None = None) -> None:
        settings = settings or PowertoolsSettings()
        self.namespace = settings.metrics_namespace
        self.service = settings.service_name
        self.logger = logger or Logger(service=self.service)
        # Off outside Lambda and with POWERTOOLS_TRACE_DISABLED=true (Powertools decides).
        self.tracer = tracer or Tracer(service=self.service)

    def span(self, name: str) -> AbstractContextManager[Any]:
        return self._subsegment(name)

    @contextmanager
    def _subsegment(self, name: str) -> Iterator[None]:
        with self.tracer.provider.in_subsegment(f"## {name}"):
            yield

    def decided(self, outcome: Outcome, *, channel: str, latency_ms: Mapping[str, float]) -> None:
        self.logger.info("access request decided", extra={
            "request_id": outcome.request_id, "user": outcome.requester_id, "target": outcome.user_id,
            "decision": outcome.decision.value, "reason": outcome.reason.value, "confidence": outcome.confidence,
            "channel": channel, "latency_ms": {name: round(ms, 1) for name, ms in latency_ms.items()},
        })
        self._metric("AccessRequestCount", MetricUnit.Count, 1, decision=outcome.decision.value)
        for component, ms in latency_ms.items():
            self._metric("ValidationLatency", MetricUnit.Milliseconds, ms, component=component)
        if outcome.confidence is not None:
            self._metric("RAGConfidence", MetricUnit.NoUnit, outcome.confidence)

    def error(self, component: str) -> None:
        self._metric("ErrorCount", MetricUnit.Count, 1, component=component)

    def begin(self, context: object) -> None:
        self.logger.clear_state()
        found = {name: getattr(context, attribute) for name, attribute in (
            ("function_request_id", "aws_request_id"), ("function_name", "function_name"))
            if isinstance(getattr(context, attribute, None), str)}
        self.logger.append_keys(**found)

    def route_package_logs(self) -> None:
        """Make the packages' module loggers write through this logger's handler, so their lines are JSON with the
        same keys (the Lambda request id, the AskIAM request id)."""
        for package in _PACKAGES:
            target = logging.getLogger(package)
            target.handlers = list(self.logger.handlers)
            target.setLevel(self.logger.log_level)
            target.propagate = False

    def _metric(self, name: str, unit: MetricUnit, value: float, **dimensions: str) -> None:
        try:
            with single_metric(name=name, unit=unit, value=value, namespace=self.namespace,
                               default_dimensions={"service": self.service, **dimensions}):
                pass
        except Exception:  # a metric must never fail a request
            log.warning("could not write metric %s", name, exc_info=True)


class TracedEmbedder:
    """An Embedder whose calls are traced as the `embeddings` step (Bedrock or the local model)."""

    def __init__(self, inner: Embedder, telemetry: Telemetry) -> None:
        self._inner = inner
        self._telemetry = telemetry

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    @property
    def model_id(self) -> str:
        return self._inner.model_id

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        with self._telemetry.span("embeddings"):
            return self._inner.embed(texts)
