"""The KMS checkpoint signer against botocore's own KMS model (Stubber checks every request's shape against it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from validators import audit_checkpoints
from validators.audit_errors import AuditKeyError
from validators.audit_keys import key_id, signature_verifies, trusted
from validators.audit_kms_key import KmsSigningKey

KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/0f0e0d0c-1111-2222-3333-444455556666"
SIGNED_AT = datetime(2026, 12, 4, 12, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def kms() -> Any:
    return boto3.client("kms", region_name="eu-west-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")  # noqa: S106 - never sent: the Stubber answers


@pytest.fixture
def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_key_answer(private_key: Ed25519PrivateKey, spec: str = "ECC_NIST_EDWARDS25519") -> dict[str, Any]:
    der = private_key.public_key().public_bytes(serialization.Encoding.DER,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
    return {"KeyId": KEY_ARN, "PublicKey": der, "KeySpec": spec, "KeyUsage": "SIGN_VERIFY",
            "SigningAlgorithms": ["ED25519_SHA_512", "ED25519_PH_SHA_512"]}


def test_a_checkpoint_signed_in_kms_verifies_like_one_signed_with_a_key_file(kms, private_key) -> None:  # type: ignore[no-untyped-def]
    expected_id = key_id(private_key.public_key())
    message = audit_checkpoints.signed_message(42, "ab" * 32, SIGNED_AT, expected_id)
    with Stubber(kms) as stub:
        stub.add_response("get_public_key", public_key_answer(private_key), {"KeyId": "alias/askiam-audit"})
        stub.add_response("sign", {"KeyId": KEY_ARN, "Signature": private_key.sign(message),
                                   "SigningAlgorithm": "ED25519_SHA_512"},
                          {"KeyId": "alias/askiam-audit", "Message": message, "MessageType": "RAW",
                           "SigningAlgorithm": "ED25519_SHA_512"})
        signer = KmsSigningKey("alias/askiam-audit", kms)
        checkpoint = audit_checkpoints.sign(signer, 42, "ab" * 32, SIGNED_AT)
        stub.assert_no_pending_responses()
    assert signer.key_id == expected_id and signer.key_arn == KEY_ARN
    assert "BEGIN PUBLIC KEY" in signer.public_pem
    assert audit_checkpoints.signature_problem(checkpoint, trusted([private_key.public_key()])) == ""
    assert audit_checkpoints.signature_problem(checkpoint, trusted([Ed25519PrivateKey.generate().public_key()]))


def test_a_key_that_cannot_sign_ed25519_is_refused_up_front(kms, private_key) -> None:  # type: ignore[no-untyped-def]
    answer = public_key_answer(private_key, spec="ECC_NIST_P256")
    with Stubber(kms) as stub:
        stub.add_response("get_public_key", answer, {"KeyId": "alias/askiam-audit"})
        with pytest.raises(AuditKeyError, match="ECC_NIST_P256 .*need a ECC_NIST_EDWARDS25519 key"):
            KmsSigningKey("alias/askiam-audit", kms)


def test_kms_refusals_are_audit_key_errors_that_name_the_key(kms, private_key) -> None:  # type: ignore[no-untyped-def]
    with Stubber(kms) as stub:
        stub.add_client_error("get_public_key", "NotFoundException", "Alias alias/gone is not found.")
        with pytest.raises(AuditKeyError, match="alias/gone: NotFoundException: Alias alias/gone is not found"):
            KmsSigningKey("alias/gone", kms)
    with Stubber(kms) as stub:
        stub.add_response("get_public_key", public_key_answer(private_key))
        stub.add_client_error("sign", "AccessDeniedException", "not authorized to perform: kms:Sign")
        signer = KmsSigningKey("alias/askiam-audit", kms)
        with pytest.raises(AuditKeyError, match="cannot sign a checkpoint .*AccessDeniedException"):
            signer.sign(b"message")


def test_a_signature_the_public_key_does_not_verify_is_never_returned(kms, private_key) -> None:  # type: ignore[no-untyped-def]
    other = Ed25519PrivateKey.generate()
    with Stubber(kms) as stub:
        stub.add_response("get_public_key", public_key_answer(private_key))
        stub.add_response("sign", {"KeyId": KEY_ARN, "Signature": other.sign(b"message"),
                                   "SigningAlgorithm": "ED25519_SHA_512"})
        signer = KmsSigningKey("alias/askiam-audit", kms)
        with pytest.raises(AuditKeyError, match="does not verify"):
            signer.sign(b"message")
    assert not signature_verifies(private_key.public_key(), other.sign(b"message"), b"message")
