"""A checkpoint signing key that never leaves AWS KMS (key spec ECC_NIST_EDWARDS25519, usage SIGN_VERIFY).

KMS signs the checkpoint message itself (`MessageType=RAW`, `ED25519_SHA_512`: pure Ed25519), so checkpoints it
signs verify with the same code, the same public-key files and the same `audit_signing_keys` table as those of a key
file. Whoever administers the database cannot sign; whoever may call `kms:Sign` on the key can, so that permission
belongs to the scheduled checkpoint function alone.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from validators.audit_errors import AuditKeyError
from validators.audit_keys import key_id, public_pem, signature_verifies

KEY_SPEC = "ECC_NIST_EDWARDS25519"
SIGNING_ALGORITHM = "ED25519_SHA_512"


def default_client(region: str | None) -> Any:
    import boto3  # noqa: PLC0415 - AWS only
    from botocore.config import Config  # noqa: PLC0415

    return boto3.client("kms", region_name=region,
                        config=Config(connect_timeout=3, read_timeout=10, retries={"mode": "standard"}))


def _kms_failure(what: str, kms_key: str, exc: Exception) -> AuditKeyError:
    error = getattr(exc, "response", {}).get("Error", {})
    detail = f"{error.get('Code')}: {error.get('Message')}" if error else str(exc)
    return AuditKeyError(f"cannot {what} with the KMS key {kms_key}: {detail}")


class KmsSigningKey:
    """The KMS key `kms_key` (id, ARN or alias) as a checkpoint signer; its public half is read once."""

    def __init__(self, kms_key: str, client: Any) -> None:
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        self._kms_key = kms_key
        self._client = client
        self._errors = (BotoCoreError, ClientError)
        try:
            answer = client.get_public_key(KeyId=kms_key)
        except self._errors as exc:
            raise _kms_failure("read the public key", kms_key, exc) from exc
        if answer.get("KeySpec") != KEY_SPEC or answer.get("KeyUsage") != "SIGN_VERIFY":
            raise AuditKeyError(f"the KMS key {kms_key} is {answer.get('KeySpec')} for {answer.get('KeyUsage')}; "
                                f"checkpoints need a {KEY_SPEC} key for SIGN_VERIFY")
        public = serialization.load_der_public_key(answer["PublicKey"])
        if not isinstance(public, Ed25519PublicKey):  # pragma: no cover - KMS keeps KeySpec and key alike
            raise AuditKeyError(f"the KMS key {kms_key} did not return an Ed25519 public key")
        self._public_key = public
        self._key_arn = str(answer.get("KeyId", kms_key))

    @property
    def key_arn(self) -> str:
        return self._key_arn

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._public_key

    @property
    def key_id(self) -> str:
        return key_id(self._public_key)

    @property
    def public_pem(self) -> str:
        return public_pem(self._public_key)

    def sign(self, message: bytes) -> bytes:
        try:
            answer = self._client.sign(KeyId=self._kms_key, Message=message, MessageType="RAW",
                                       SigningAlgorithm=SIGNING_ALGORITHM)
        except self._errors as exc:
            raise _kms_failure("sign a checkpoint", self._kms_key, exc) from exc
        signature: bytes = answer["Signature"]
        # A checkpoint that would not verify is worse than none: check before it is stored.
        if not signature_verifies(self._public_key, signature, message):
            raise AuditKeyError(f"the KMS key {self._kms_key} returned a signature its public key does not verify")
        return signature
