"""The Ed25519 keys that sign audit checkpoints.

The private key lives in a file outside the database (by default under ASKIAM_HOME), created on first use with
mode 0600; its public half is written beside it (`.pub`) and into `audit_signing_keys` for auditors. Whoever
administers the database can rewrite the log, the chain head and the checkpoints, but cannot sign a checkpoint.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from validators.audit_errors import AuditKeyError

ALGORITHM = "ed25519"
TrustedKeys = Mapping[str, Ed25519PublicKey]


def default_key_path(home: Path) -> Path:
    """Where the signing key lives when no path is configured."""
    return home / "audit" / "signing-key.pem"


def public_key_path(private_key_path: Path) -> Path:
    return private_key_path.with_suffix(".pub")


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short, stable name for a key: the first 16 hex digits of the SHA-256 of its raw 32 bytes."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def parse_public_key(pem: str | bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM text."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise AuditKeyError(f"not a PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise AuditKeyError(f"not an Ed25519 public key ({type(key).__name__})")
    return key


def read_public_key(path: Path) -> Ed25519PublicKey:
    """An auditor's copy of a public key (PEM), e.g. the `.pub` file written beside the signing key."""
    try:
        return parse_public_key(path.read_bytes())
    except OSError as exc:
        raise AuditKeyError(f"cannot read the public key {path}: {exc.strerror}") from exc


def trusted(keys: Iterable[Ed25519PublicKey]) -> dict[str, Ed25519PublicKey]:
    return {key_id(key): key for key in keys}


def signature_verifies(public_key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


class CheckpointSigner(Protocol):
    """What signs checkpoints: a key file on this host (`SigningKey`) or a key that never leaves a KMS
    (`validators.audit_kms_key.KmsSigningKey`). Either way the signature is plain Ed25519 over the message."""

    @property
    def key_id(self) -> str: ...

    @property
    def public_key(self) -> Ed25519PublicKey: ...

    @property
    def public_pem(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...


@dataclass(frozen=True)
class SigningKey:
    """The private key that signs checkpoints, and the file it came from."""

    private_key: Ed25519PrivateKey
    path: Path

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    @property
    def public_pem(self) -> str:
        return public_pem(self.public_key)

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)


def load_signing_key(path: Path) -> SigningKey | None:
    """The signing key in `path`, or None when there is no such file.

    A key file that others may read is refused, as ssh does: a copied key could sign forged checkpoints.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise AuditKeyError(f"the audit signing key {path} is accessible by others (mode {stat.S_IMODE(mode):o}); "
                            "run: chmod 600 " + str(path))
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise AuditKeyError(f"cannot read the audit signing key {path}: {exc}") from exc
    if not isinstance(private, Ed25519PrivateKey):
        raise AuditKeyError(f"the audit signing key {path} is not an Ed25519 key")
    return SigningKey(private, path)


def load_or_create_signing_key(path: Path) -> SigningKey:
    """The signing key in `path`, created (mode 0600, its folder 0700) if there is none yet.

    Two processes creating it at once end up with the same key: the file is written under a temporary name and
    linked into place, which fails for the second one, which then reads the first one's key.
    """
    existing = load_signing_key(path)
    if existing is not None:
        return existing
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # whatever the umask
        os.write(descriptor, pem)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)
    key = load_signing_key(path)
    assert key is not None
    public_file = public_key_path(path)
    if not public_file.exists():
        public_file.write_text(key.public_pem, encoding="ascii")
    return key
