"""The scheduled Lambda that verifies the audit chain since the last good checkpoint and signs its head with the
KMS key (ASKIAM_AUDIT_SIGNING_KMS_KEY_ID), as `askiam audit checkpoint` does.

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


def _checkpoint(app: Application) -> int:
    """The record the head checkpoint now covers (0 for an empty log)."""
    from validators import audit  # noqa: PLC0415

    signer = app.checkpoint_signer()
    if signer is None:
        raise RuntimeError("no checkpoint signer: set ASKIAM_AUDIT_SIGNING_KMS_KEY_ID")
    result = audit.checkpoint(app.database, signer)
    report = result.report
    if not report.ok:
        log.error("audit chain broken at record %s: %s", report.first_bad_seq, report.problem)
        raise BrokenChainError(f"audit chain broken at record {report.first_bad_seq}: {report.problem}")
    signed = result.checkpoint
    if signed is None:
        return 0
    log.info("checkpoint at record %d by key %s (%d records verified since the last one)", signed.seq,
             signed.key_id, report.walked)
    return signed.seq


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    return {"checkpoint_seq": run_job("audit-checkpoint", context, _checkpoint)}
