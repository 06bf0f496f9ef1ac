"""The scheduled Lambda that verifies the audit chain since the last good checkpoint and signs its head with the
KMS key (ASKIAM_AUDIT_SIGNING_KMS_KEY_ID), as `askiam audit checkpoint` does.

Hourly runs walk from the latest checkpoint: the records before it were verified when it was signed, and an edit to
them since does not show there. So once a day the schedule sends `{"full": true}` and the run walks the whole chain
from its first record (`audit checkpoint --full`): an edited old record is found within a day.

A chain found broken is not signed: the invocation fails with the problem in the log (the alarm on the function's
errors goes off), and every later run fails the same way until someone looks.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.bootstrap import Application
from bot.scheduled_jobs import run_job

log = logging.getLogger(__name__)


class BrokenChainError(RuntimeError):
    """The audit chain did not verify, so its head was not signed."""


def _checkpoint(app: Application, *, full: bool = False) -> int:
    """The record the head checkpoint now covers (0 for an empty log); `full` walks the whole chain first."""
    from validators import audit  # noqa: PLC0415

    signer = app.checkpoint_signer()
    if signer is None:
        raise RuntimeError("no checkpoint signer: set ASKIAM_AUDIT_SIGNING_KMS_KEY_ID")
    result = audit.checkpoint(app.database, signer, full=full)
    report = result.report
    if not report.ok:
        log.error("audit chain broken at record %s: %s", report.first_bad_seq, report.problem)
        raise BrokenChainError(f"audit chain broken at record {report.first_bad_seq}: {report.problem}")
    signed = result.checkpoint
    if signed is None:
        return 0
    log.info("%s at record %d by key %s; records %d to %d verified%s", "checkpoint signed" if result.signed_now
             else "head already signed", signed.seq, signed.key_id, report.walked_from, report.records,
             " (the whole chain)" if report.walked_from <= 1 else
             f" (those before were verified when the checkpoint at record {report.walked_from} was signed)")
    return signed.seq


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    # The daily schedule's input is {"full": true}; the hourly one sends EventBridge's scheduled event.
    full = isinstance(event, dict) and event.get("full") is True
    return {"checkpoint_seq": run_job("audit-checkpoint", context, lambda app: _checkpoint(app, full=full))}
