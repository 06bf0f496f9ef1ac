"""Requester profiles as vectors: each attribute=value pair hashed to a signed unit, so that the cosine of two
profiles is close to the share of attributes they have in common."""

from __future__ import annotations

import hashlib

import numpy as np

PROFILE_DIMENSION = 256


def _slot(key: str, value: str) -> tuple[int, float]:
    digest = hashlib.blake2b(f"{key}\x1f{value}".encode(), digest_size=8).digest()
    number = int.from_bytes(digest, "big")
    return number % PROFILE_DIMENSION, 1.0 if (number >> 63) & 1 else -1.0


def profile_vector(profile: dict[str, str]) -> np.ndarray:
    """The unit vector of a profile; an empty profile gives the zero vector."""
    vector = np.zeros(PROFILE_DIMENSION, dtype=np.float32)
    for key, value in profile.items():
        if value:
            index, sign = _slot(key, value)
            vector[index] += sign
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def shared_share(a: dict[str, str], b: dict[str, str]) -> float:
    """The exact share of a's attributes that b has with the same value (what the vector approximates)."""
    if not a:
        return 0.0
    return sum(1 for key, value in a.items() if b.get(key) == value) / len(a)
