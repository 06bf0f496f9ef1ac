"""Lex V2 limits kept whatever the input: text counted in UTF-16 code units as Lex counts it, and session
attributes of a bounded size."""

from __future__ import annotations

import json

import pytest

from bot.conversation import MAX_TURNS, ConversationState
from bot.domain import Candidate, Clarification
from lex.responses import MAX_BUTTON_CHARS, MAX_MESSAGE_CHARS, Button, clarification_reply, clip, utf16_units
from lex.session import MAX_OWN_ATTRIBUTE_BYTES, STATE_ATTRIBUTE, LexSession, PendingConfirmation, sent_size


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@pytest.mark.parametrize("text", ["\U0001f510" * 48, "\U0001d400\U0001d41d\U0001d426 " * 10, "a" + "\U0001f511" * 30,
                                  "plain ascii " * 10])
def test_buttons_are_clipped_to_fifty_utf16_units_without_splitting_a_pair(text: str) -> None:
    candidates = (Candidate(id="r1", label=text), Candidate(id="r2", label="Viewer"))
    reply = clarification_reply("AccessRequest", Clarification(slot="role", question="Which one?",
                                                               candidates=candidates), "Which one?", {},
                                LexSession()).to_event()
    for button in reply["messages"][1]["imageResponseCard"]["buttons"]:
        assert _units(button["text"]) <= MAX_BUTTON_CHARS
        button["text"].encode("utf-8")  # a lone surrogate cannot be encoded


def test_a_message_is_clipped_to_a_thousand_utf16_units() -> None:
    reply = clarification_reply("AccessRequest", None, "\U0001f511" * 999, {}, LexSession()).to_event()
    content = reply["messages"][0]["content"]
    assert _units(content) <= MAX_MESSAGE_CHARS and content.endswith("\u2026")
    assert content.rstrip("\u2026") == "\U0001f511" * len(content.rstrip("\u2026"))


def test_clip_counts_utf16_units() -> None:
    assert utf16_units("a\U0001f510") == 3
    assert clip("\U0001f510" * 3, 4) == "\U0001f510\u2026"
    assert clip("abcd", 4) == "abcd"
    with pytest.raises(ValueError, match="UTF-16"):
        Button(text="\U0001f510" * 26, value="1")


def _state(texts: list[str]) -> ConversationState:
    asked = Clarification(slot="role", question="Which role in Ledgerly?",
                          candidates=tuple(Candidate(id=f"ldg-{n}", label=f"Role {n}") for n in range(5)))
    return ConversationState(target_id="ana", app_id="ledgerly", asked=asked, texts=texts, turns=len(texts))


HEAVY = [("\u6211\u9700\u8981\u8bbf\u95ee\u6743\u9650" * 200)[:1000], '"\\' * 500, "\U0001f510" * 1000]


@pytest.mark.parametrize("filler", HEAVY)
def test_the_attributes_stay_within_the_bound_however_long_the_texts(filler: str) -> None:
    texts = ["I need the Viewer role in Ledgerly", *[filler] * (MAX_TURNS - 1)]
    pending = PendingConfirmation(text=filler, target_id="ana", app_id="ledgerly", role_id="ldg-viewer")
    for session in (LexSession(state=_state(texts), others={"requester_id": "ana"}),
                    LexSession(state=_state(texts), pending=pending, last_request_id="R-123456789012")):
        attributes = session.attributes()
        own = {key: value for key, value in attributes.items() if key.startswith("askiam_")}
        assert sent_size(own) <= MAX_OWN_ATTRIBUTE_BYTES
        assert len(json.dumps(attributes, ensure_ascii=False).encode()) <= MAX_OWN_ATTRIBUTE_BYTES + 100
        read = LexSession.read(attributes)
        assert read.state is not None  # written within the bound, read back whole
        assert read.state.texts[0] == texts[0]  # the short turn that named the request is kept as typed
        assert (read.state.target_id, read.state.app_id, read.state.asked) == ("ana", "ledgerly", _state([]).asked)
        assert read.pending == session.pending


def test_a_small_state_is_written_as_it_is() -> None:
    state = _state(["I need the Viewer role in Ledgerly", "the second one"])
    assert LexSession(state=state).attributes()[STATE_ATTRIBUTE] == state.model_dump_json()
