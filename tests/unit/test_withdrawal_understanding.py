"""Calling off one's own request, read from the words (pure text)."""

from __future__ import annotations

import pytest

from bot.understanding.withdrawal import WithdrawalAsked, withdrawal_in


@pytest.mark.parametrize(("text", "asked"), [
    ("cancel R-1070", WithdrawalAsked(request_id="R-1070")),
    ("Please withdraw request #1234, I no longer need it", WithdrawalAsked(request_id="R-1234")),
    ("can you retract r1500?", WithdrawalAsked(request_id="R-1500")),
    ("please withdraw my request", WithdrawalAsked()),
    ("Cancel my Okta access request", WithdrawalAsked()),
    ("call off the request I made yesterday", WithdrawalAsked()),
    ("cancel that", WithdrawalAsked(that_one=True)),
    ("Actually, withdraw it please", WithdrawalAsked(that_one=True)),
])
def test_a_withdrawal_is_read_with_what_it_names(text: str, asked: WithdrawalAsked) -> None:
    assert withdrawal_in(text) == asked


@pytest.mark.parametrize("text", [
    "I need Developer in GitLab to review and delete pull requests", "I need to cancel orders in Shopify",
    "don't cancel my request", "no need to withdraw my request", "please revoke my Developer role",
    "I need the Order Cancel role", "I want to withdraw money in Treasury", "cancel that order in Shopify for me",
    "what is R-12?",
])
def test_other_messages_with_such_words_are_no_withdrawal(text: str) -> None:
    assert withdrawal_in(text) is None
