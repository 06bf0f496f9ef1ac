"""Cognito ID-token verification with a locally generated RSA key and key set, and where the requester comes from."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.domain import Person
from bot.errors import ServiceUnavailableError
from lex.errors import IdentityConfigError, NotSignedInError, TokenRejectedError
from lex.identity import CognitoJwksVerifier, requester_id
from lex.settings import LexSettings

REGION, POOL, CLIENT = "eu-west-1", "eu-west-1_AbCdEf123", "5a1b2c3d4e5f6g7h8i9j0k1l2m"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}"


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    signing = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = jwt.algorithms.RSAAlgorithm.to_jwk(signing.public_key(), as_dict=True)
    return {"signing": signing, "other": other,
            "jwks": {"keys": [{**public, "kid": "key-1", "alg": "RS256", "use": "sig"}]}}


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    values: dict[str, Any] = {
        "sub": "0f1e2d3c-aaaa-bbbb-cccc-000000000001", "aud": CLIENT, "iss": ISSUER, "token_use": "id",
        "cognito:username": "ana", "email": "ana@corp.test", "auth_time": now, "iat": now, "exp": now + 3600,
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def token(keys: dict[str, Any], *, key: str = "signing", kid: str = "key-1", **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), keys[key], algorithm="RS256", headers={"kid": kid})


class Source:
    """A key set served from memory, counting fetches."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.fetches = 0

    def __call__(self) -> dict[str, Any]:
        self.fetches += 1
        return self.document


@pytest.fixture
def verifier(keys: dict[str, Any]) -> CognitoJwksVerifier:
    return CognitoJwksVerifier(issuer=ISSUER, audiences=(CLIENT,), jwks_source=Source(keys["jwks"]))


def test_a_valid_id_token_gives_its_claims(keys, verifier) -> None:  # type: ignore[no-untyped-def]
    verified = verifier.verify(token(keys))
    assert verified["cognito:username"] == "ana" and verified["aud"] == CLIENT


@pytest.mark.parametrize(("overrides", "why"), [
    ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "expired"),
    ({"aud": "some-other-client"}, "another application"),
    ({"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"}, "another application"),
    ({"iss": "https://evil.example/eu-west-1_AbCdEf123"}, "another application"),
    ({"token_use": "access"}, "ID token"),
    ({"exp": None}, "not valid"),
    ({"token_use": None}, "not valid"),
])
def test_tokens_that_must_not_be_trusted_are_rejected(keys, verifier, overrides, why) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TokenRejectedError, match=why):
        verifier.verify(token(keys, **overrides))


def test_a_forged_signature_is_rejected(keys, verifier) -> None:  # type: ignore[no-untyped-def]
    forged = token(keys, key="other")  # signed with another key under the pool's key id
    with pytest.raises(TokenRejectedError, match="not valid"):
        verifier.verify(forged)
    header, _, signature = token(keys).split(".")
    _, tampered_claims, _ = token(keys, **{"cognito:username": "boss"}).split(".")
    with pytest.raises(TokenRejectedError, match="not valid"):
        verifier.verify(f"{header}.{tampered_claims}.{signature}")


@pytest.mark.parametrize("bad", ["", "not-a-jwt", "a.b.c", "x" * 20_000])
def test_garbage_is_rejected(verifier, bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TokenRejectedError):
        verifier.verify(bad)


def test_unsigned_and_symmetric_tokens_are_rejected(keys, verifier) -> None:  # type: ignore[no-untyped-def]
    unsigned = jwt.encode(claims(), None, algorithm="none", headers={"kid": "key-1"})
    with pytest.raises(TokenRejectedError, match="not signed with a user pool key"):
        verifier.verify(unsigned)
    # HS256 keyed with the public key: the classic algorithm-confusion forgery.
    hmac_key = b"k" * 32
    symmetric = jwt.encode(claims(), hmac_key, algorithm="HS256", headers={"kid": "key-1"})
    with pytest.raises(TokenRejectedError, match="not signed with a user pool key"):
        verifier.verify(symmetric)


def test_an_unknown_key_id_refetches_once_then_rejects(keys) -> None:  # type: ignore[no-untyped-def]
    source = Source(keys["jwks"])
    verifier = CognitoJwksVerifier(issuer=ISSUER, audiences=(CLIENT,), jwks_source=source)
    verifier.verify(token(keys))
    verifier.verify(token(keys))
    assert source.fetches == 1  # cached
    with pytest.raises(TokenRejectedError, match="does not publish"):
        verifier.verify(token(keys, kid="key-9"))
    assert source.fetches == 1  # fetched moments ago: no refetch storm from unknown key ids


def test_a_rotated_key_is_found_after_the_cache_expires(keys) -> None:  # type: ignore[no-untyped-def]
    other_public = jwt.algorithms.RSAAlgorithm.to_jwk(keys["other"].public_key(), as_dict=True)
    source = Source({"keys": [{**other_public, "kid": "old", "alg": "RS256", "use": "sig"}]})
    verifier = CognitoJwksVerifier(issuer=ISSUER, audiences=(CLIENT,), jwks_source=source, cache_seconds=0)
    old = token(keys, key="other", kid="old")
    assert verifier.verify(old)["sub"]
    source.document = keys["jwks"]  # the pool rotated its key
    assert verifier.verify(token(keys))["sub"]
    with pytest.raises(TokenRejectedError, match="does not publish"):
        verifier.verify(old)


def test_an_unreachable_key_set_is_a_service_outage(keys) -> None:  # type: ignore[no-untyped-def]
    def down() -> dict[str, Any]:
        raise ServiceUnavailableError("the sign-in keys could not be fetched")

    verifier = CognitoJwksVerifier(issuer=ISSUER, audiences=(CLIENT,), jwks_source=down)
    with pytest.raises(ServiceUnavailableError):
        verifier.verify(token(keys))
    empty = CognitoJwksVerifier(issuer=ISSUER, audiences=(CLIENT,), jwks_source=lambda: {"keys": []})
    with pytest.raises(ServiceUnavailableError):
        empty.verify(token(keys))


def test_settings_build_the_issuer_and_refuse_half_a_configuration() -> None:
    lex = LexSettings(cognito_region=REGION, cognito_user_pool_id=POOL, cognito_app_client_ids=f" {CLIENT}, other ")
    assert lex.cognito_issuer == ISSUER and lex.app_client_ids == (CLIENT, "other")
    assert CognitoJwksVerifier.from_settings(lex, jwks_source=lambda: {"keys": []}) is not None
    with pytest.raises(IdentityConfigError):
        CognitoJwksVerifier.from_settings(LexSettings(cognito_region=REGION, cognito_user_pool_id=POOL))


def test_a_key_set_in_the_settings_is_used_instead_of_fetching_it(keys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the key set was fetched although ASKIAM_LEX_JWKS_JSON holds it")

    monkeypatch.setattr("urllib.request.urlopen", no_network)
    monkeypatch.setenv("ASKIAM_LEX_JWKS_JSON", json.dumps(keys["jwks"]))
    lex = LexSettings(cognito_region=REGION, cognito_user_pool_id=POOL, cognito_app_client_ids=CLIENT)
    verifier = CognitoJwksVerifier.from_settings(lex)
    assert verifier.verify(token(keys))["cognito:username"] == "ana"
    with pytest.raises(TokenRejectedError, match="does not publish"):  # no rotation without a new setting
        verifier.verify(token(keys, key="other", kid="key-2"))


@pytest.mark.parametrize("document", ["{not json", "[]", '{"keys": []}', '{"keys": [{"kty": "RSA"}]}'])
def test_a_key_set_setting_that_cannot_verify_anything_is_a_configuration_error(document: str) -> None:
    lex = LexSettings(cognito_region=REGION, cognito_user_pool_id=POOL, cognito_app_client_ids=CLIENT,
                      jwks_json=document)
    with pytest.raises(IdentityConfigError, match="ASKIAM_LEX_JWKS_JSON"):
        CognitoJwksVerifier.from_settings(lex)


class Directory:
    def __init__(self, *people: Person) -> None:
        self.people = people

    def get_person(self, user_id: str) -> Person | None:
        return next((person for person in self.people if person.user_id == user_id), None)

    def find_people(self, *, emails, names, user_ids) -> list[Person]:  # type: ignore[no-untyped-def]
        return [person for person in self.people if person.email.casefold() in emails]

    def suggest_people(self, phrase: str, limit: int = 5, manager_id: str | None = None) -> list[Person]:
        return []

    def reports_of(self, manager_id: str, limit: int = 8) -> list[Person]:
        return []


ANA = Person(user_id="ana", email="ana@corp.test", display_name="Ana Ferreira", status="active")


def _no_directory() -> Directory:
    raise AssertionError("the directory is only for email claims")


def test_production_takes_the_requester_from_the_verified_token_only(keys, verifier) -> None:  # type: ignore[no-untyped-def]
    attributes = {"idtokenjwt": token(keys), "requester_id": "boss"}
    assert requester_id(attributes, local=False, verifier=verifier, lex=LexSettings(),
                        directory=_no_directory) == "ana"


@pytest.mark.parametrize("attributes", [{}, {"requester_id": "boss"}, {"idtokenjwt": "  "}])
def test_production_without_a_token_is_not_signed_in(verifier, attributes) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotSignedInError):
        requester_id(attributes, local=False, verifier=verifier, lex=LexSettings(), directory=_no_directory)


def test_production_never_falls_back_to_requester_id_when_the_token_fails(keys, verifier) -> None:  # type: ignore[no-untyped-def]
    attributes = {"idtokenjwt": token(keys, aud="other"), "requester_id": "boss"}
    with pytest.raises(TokenRejectedError):
        requester_id(attributes, local=False, verifier=verifier, lex=LexSettings(), directory=_no_directory)
    with pytest.raises(IdentityConfigError):
        requester_id({"idtokenjwt": token(keys)}, local=False, verifier=None, lex=LexSettings(),
                     directory=_no_directory)


def test_an_email_claim_is_looked_up_in_the_directory(keys, verifier) -> None:  # type: ignore[no-untyped-def]
    lex = LexSettings(identity_claim="email", identity_lookup="email")
    found = requester_id({"idtokenjwt": token(keys, email="Ana@Corp.test", email_verified=True)}, local=False,
                         verifier=verifier, lex=lex, directory=lambda: Directory(ANA))
    assert found == "ana"
    with pytest.raises(TokenRejectedError, match="no 'custom:user_id' claim"):
        requester_id({"idtokenjwt": token(keys)}, local=False, verifier=verifier,
                     lex=LexSettings(identity_claim="custom:user_id"), directory=_no_directory)


@pytest.mark.parametrize(("overrides", "refusal"), [
    ({"email_verified": False}, "not a verified email address"),  # typed into one's own profile, never confirmed
    ({"email_verified": "false"}, "not a verified email address"),
    ({}, "not a verified email address"),  # a provider that does not say
    ({"email_verified": True, "email": "nobody@corp.test"}, "not the email of anyone"),
    ({"email_verified": True, "email": "ana"}, "not the email of anyone"),  # never tried as a user id
])
def test_an_email_claim_names_someone_only_when_verified_and_theirs(keys, verifier, overrides: dict[str, Any],  # type: ignore[no-untyped-def]
                                                                    refusal: str) -> None:
    lex = LexSettings(identity_claim="email", identity_lookup="email")
    with pytest.raises(TokenRejectedError, match=refusal):
        requester_id({"idtokenjwt": token(keys, **overrides)}, local=False, verifier=verifier, lex=lex,
                     directory=lambda: Directory(ANA))


def test_local_mode_reads_requester_id_and_nothing_else() -> None:
    assert requester_id({"requester_id": " rui "}, local=True, verifier=None, lex=LexSettings(),
                        directory=_no_directory) == "rui"
    for attributes in ({}, {"idtokenjwt": "a.b.c"}, {"requester_id": "rui; DROP TABLE users"}):
        with pytest.raises(NotSignedInError):
            requester_id(attributes, local=True, verifier=None, lex=LexSettings(), directory=_no_directory)


def test_local_identity_is_refused_inside_a_deployed_lambda(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from lex.handler import LexRuntime

    class App:
        class settings:  # noqa: N801 - stands in for the Settings instance
            env = "local"

    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "askiam-lex")
    monkeypatch.delenv("AWS_SAM_LOCAL", raising=False)
    assert LexRuntime(App(), LexSettings()).local is False  # type: ignore[arg-type]
    monkeypatch.setenv("AWS_SAM_LOCAL", "true")
    assert LexRuntime(App(), LexSettings()).local is True  # type: ignore[arg-type]
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME")
    monkeypatch.delenv("AWS_SAM_LOCAL")
    App.settings.env = "aws"
    assert LexRuntime(App(), LexSettings()).local is False  # type: ignore[arg-type]
