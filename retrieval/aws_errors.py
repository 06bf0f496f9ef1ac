"""Errors raised by the AWS-facing retrieval adapters (OpenSearch, Bedrock embeddings, the policy judge)."""

from retrieval.errors import EmbeddingModelError, RetrievalError


class VectorIndexError(RetrievalError):
    """An OpenSearch request was refused or a bulk load lost documents; the live index was left as it was."""


class VectorIndexUnavailableError(VectorIndexError):
    """OpenSearch could not be reached or timed out; the caller may try again."""


class VectorIndexNotReadyError(VectorIndexError):
    """A new index generation did not become searchable in time, so it was not published."""


class EmbeddingServiceError(EmbeddingModelError):
    """The Bedrock embedding model refused a request or answered with something that is not an embedding."""
