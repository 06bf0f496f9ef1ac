"""Exceptions raised by the retrieval package."""


class RetrievalError(Exception):
    """Base class for all errors raised by the retrieval package."""


class EmbeddingModelError(RetrievalError):
    """Raised when an embedding model cannot be located, loaded or used."""
