"""Errors of the audit log's query, export and signing adapters (kept beside them until validators/errors.py
takes them in)."""

from __future__ import annotations

from validators.errors import StoreError


class AuditError(StoreError):
    """The audit log could not do what was asked."""


class InvalidCursorError(AuditError):
    """A page cursor that this module did not hand out, or one that was altered."""


class AuditKeyError(AuditError):
    """The checkpoint signing key (or a public key given to verify with) cannot be used."""
