"""The Lambda handler without a database: other bots' events, malformed events and sign-in, all answered validly."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.errors import RequesterError, ServiceUnavailableError
from lex import handler
from lex.identity import CognitoJwksVerifier
from lex.settings import LexSettings
from tests.unit.test_lex_events import MALFORMED
from tests.unit.test_lex_support import assert_valid_response, load_event, messages_of, shared_events


class Settings:
    def __init__(self, env: str) -> None:
        self.env = env


class NoDatabaseApp:
    """An application whose adapters must not be touched: these turns are answered before any lookup."""

    def __init__(self, env: str = "local") -> None:
        self.settings = Settings(env)

    @property
    def service(self) -> Any:
        raise AssertionError("this turn must not reach the service")

    @property
    def store(self) -> Any:
        raise AssertionError("this turn must not reach the store")


@pytest.fixture(autouse=True)
def no_database(monkeypatch) -> Iterator[None]:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    handler.set_application(NoDatabaseApp())  # type: ignore[arg-type]
    yield
    handler.set_application(None)


def answer(event: Any) -> dict[str, Any]:
    response = handler.lambda_handler(event, None)
    assert_valid_response(response)
    return response


@pytest.mark.parametrize("path", shared_events(), ids=lambda path: path.name)
def test_other_bots_events_get_a_polite_close(path) -> None:  # type: ignore[no-untyped-def]
    event = json.loads(path.read_text(encoding="utf-8"))
    response = answer(event)
    state = response["sessionState"]
    assert state["dialogAction"] == {"type": "Close"}
    assert state["intent"] == {"name": event["sessionState"]["intent"]["name"], "state": "Failed",
                               "confirmationState": "None"}
    assert messages_of(response) == ["Sorry, I can only help with access requests and their status here."]
    assert state["sessionAttributes"] == event["sessionState"]["sessionAttributes"]


EXTRA_MALFORMED: dict[str, Any] = {
    "None": None,
    "a number": 42,
    "an empty object": {},
    "a Lex V1 event": {"currentIntent": {"name": "AccessRequest", "slots": {}}, "invocationSource": "DialogCodeHook",
                       "sessionAttributes": {}, "inputTranscript": "hi", "messageVersion": "1.0"},
}


@pytest.mark.parametrize("event", [*MALFORMED.values(), *EXTRA_MALFORMED.values()],
                         ids=[*MALFORMED.keys(), *EXTRA_MALFORMED.keys()])
def test_malformed_events_get_a_close_that_says_so(event) -> None:  # type: ignore[no-untyped-def]
    response = answer(event)
    assert response["sessionState"]["dialogAction"] == {"type": "Close"}
    assert response["sessionState"]["intent"]["state"] == "Failed"
    (told,) = messages_of(response)
    assert told.startswith("Sorry, I could not read that message: ")
    # In the person's words: no field names, no validator's wording.
    assert not re.search(r"sessionState|invocationSource|Input should|Field required|dictionary|\(", told), told


def test_a_lex_v1_event_is_told_apart(caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.WARNING, logger="lex.responses"):
        response = answer(EXTRA_MALFORMED["a Lex V1 event"])
    assert messages_of(response) == ["Sorry, I could not read that message: this is a Lex V1 event; AskIAM needs "
                                     "Lex V2. Please contact the service desk: the bot is connected to the wrong "
                                     "version of Lex."]
    assert "a Lex V1 event" in caplog.text


def test_a_transcript_that_is_not_unicode_is_refused_before_anything_is_read(caplog) -> None:  # type: ignore[no-untyped-def]
    """A lone surrogate is the caller's malformed input, answered as such: no lookup (the app here refuses any), no
    ERROR, no error metric."""
    event = load_event("ana_01_access_ledgerly.json")
    event["inputTranscript"] = "I need Viewer in Ledgerly \ud800"
    counted: list[str] = []
    runtime = handler.current()
    runtime.telemetry.error = counted.append  # type: ignore[method-assign]
    response = answer(event)
    assert response["sessionState"]["intent"] == {"name": "AccessRequest", "state": "Failed",
                                                  "confirmationState": "None"}
    assert messages_of(response) == ["Sorry, I could not read that message: it holds characters that are not valid "
                                     "text. Please type it again."]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert counted == []


def test_a_malformed_event_keeps_its_intent_name_and_string_attributes(caplog) -> None:  # type: ignore[no-untyped-def]
    event = load_event("ana_01_access_ledgerly.json")
    event["invocationSource"] = "Unknown"
    event["sessionState"]["sessionAttributes"]["count"] = 3
    with caplog.at_level(logging.WARNING, logger="lex.responses"):
        response = answer(event)
    assert response["sessionState"]["intent"]["name"] == "AccessRequest"
    assert response["sessionState"]["sessionAttributes"] == {"requester_id": "ana"}
    # What is wrong, field and all, is for the log; the person is told in plain words.
    assert "malformed Lex event: invocationSource: " in caplog.text
    assert messages_of(response) == ["Sorry, I could not read that message: it did not arrive in the form AskIAM "
                                     "reads from Lex V2. Please try again, or contact the service desk if it keeps "
                                     "happening."]


def test_a_huge_transcript_gets_a_close_that_says_so() -> None:
    event = load_event("ana_01_access_ledgerly.json")
    event["inputTranscript"] = "x" * 1_000_000
    response = answer(event)
    assert messages_of(response) == ["Sorry, I cannot handle that message: the message is longer than 1024 "
                                     "characters."]


def test_a_no_to_the_confirmation_closes_without_looking_anything_up() -> None:
    response = answer(load_event("ana_03_declined.json"))
    assert response["sessionState"]["intent"]["state"] == "Failed"
    assert "have not sent" in messages_of(response)[0]


def test_local_mode_without_requester_id_asks_to_sign_in() -> None:
    event = load_event("ana_01_access_ledgerly.json")
    event["sessionState"]["sessionAttributes"] = {}
    assert messages_of(answer(event)) == ["Please sign in first: I can only take access requests from a "
                                          "signed-in user."]


@pytest.fixture(scope="module")
def pool() -> dict[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    lex = LexSettings(cognito_region="eu-west-1", cognito_user_pool_id="eu-west-1_Pool",
                      cognito_app_client_ids="client-1")
    return {"key": key, "lex": lex, "jwks": {"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]}}


def _id_token(pool: dict[str, Any], **overrides: Any) -> str:
    now = int(time.time())
    claims = {"sub": "s-1", "aud": "client-1", "iss": pool["lex"].cognito_issuer, "token_use": "id",
              "cognito:username": "rui", "iat": now, "exp": now + 600, **overrides}
    return jwt.encode(claims, pool["key"], algorithm="RS256", headers={"kid": "k1"})


@pytest.mark.parametrize("case", ["no token", "requester_id only", "expired", "wrong audience", "forged"])
def test_production_without_a_valid_token_asks_to_sign_in_and_never_uses_requester_id(pool, case) -> None:  # type: ignore[no-untyped-def]
    verifier = CognitoJwksVerifier.from_settings(pool["lex"], jwks_source=lambda: pool["jwks"])
    handler.set_application(NoDatabaseApp("aws"), lex=pool["lex"], verifier=verifier)  # type: ignore[arg-type]
    event = load_event("prod_access_request_signed_in.json")
    tokens = {
        "no token": None,
        "requester_id only": None,
        "expired": _id_token(pool, exp=int(time.time()) - 3600, iat=int(time.time()) - 7200),
        "wrong audience": _id_token(pool, aud="client-2"),
        "forged": jwt.encode({"sub": "s", "cognito:username": "boss"},
                             rsa.generate_private_key(public_exponent=65537, key_size=2048), algorithm="RS256",
                             headers={"kid": "k1"}),
    }
    attributes = {"requester_id": "boss"} if case != "no token" else {}
    if tokens[case]:
        attributes["idtokenjwt"] = tokens[case]
    event["sessionState"]["sessionAttributes"] = attributes
    response = answer(event)
    assert response["sessionState"]["intent"]["state"] == "Failed"
    assert messages_of(response) == ["Please sign in first: I can only take access requests from a signed-in user."]


def test_production_without_a_configured_pool_says_sign_in_is_not_set_up() -> None:
    handler.set_application(NoDatabaseApp("aws"), lex=LexSettings())  # type: ignore[arg-type]
    event = load_event("prod_access_request_signed_in.json")
    event["sessionState"]["sessionAttributes"]["idtokenjwt"] = "a.b.c"
    assert "Sign-in is not set up" in messages_of(answer(event))[0]


class Refusing:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def handle(self, *args: object, **kwargs: object) -> Any:
        raise self.error

    def requester(self, *args: object, **kwargs: object) -> Any:
        raise self.error


@pytest.mark.parametrize(("error", "text"), [
    (RequesterError("'x' cannot make requests: unknown requester"), "cannot make access requests"),
    (ServiceUnavailableError("down"), "unavailable for a moment and nothing was changed"),
    (RuntimeError("bug"), "something went wrong on my side"),
])
def test_core_errors_are_mapped_in_one_place(monkeypatch, error, text) -> None:  # type: ignore[no-untyped-def]
    from lex.dialog import LexPorts

    refusing = Refusing(error)
    monkeypatch.setattr(handler.LexRuntime, "ports", LexPorts(service=refusing, preview=refusing,  # type: ignore[arg-type]
                                                              requests=refusing))  # type: ignore[arg-type]
    for name in ("ana_01_access_ledgerly.json", "status_by_id.json"):
        response = answer(load_event(name))
        assert response["sessionState"]["dialogAction"] == {"type": "Close"}
        assert text in messages_of(response)[0]
