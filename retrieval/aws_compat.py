"""Importing opensearch-py only where the OpenSearch adapters are used (it is the `aws` extra, not a core need)."""

from __future__ import annotations

import importlib
import types


def import_opensearchpy() -> types.ModuleType:
    """The `opensearchpy` module; raises ImportError with the extra to install when it is missing."""
    try:
        return importlib.import_module("opensearchpy")
    except ImportError as exc:
        raise ImportError("the OpenSearch adapters need opensearch-py: pip install 'askiam[aws]'") from exc
