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
    "what is R-12?", "What happens if I cancel my request?", "Why did you cancel my request?",
    "I need Fulfiller in ServiceNow to cancel the change request",
    "I also need Buyer in Coupa so I can cancel the duplicate purchase requests", "cancel his request",
    "I need Agent in Zendesk so I can delete the ticket I created by mistake",
    "deny R-1002, they should withdraw it and ask for Reader instead", "Deny R-1016: please cancel the request",
    "Why was R-1482 denied? should I cancel it?",
])
def test_other_messages_with_such_words_are_no_withdrawal(text: str) -> None:
    assert withdrawal_in(text) is None


@pytest.mark.parametrize("text", ["Can I cancel my request?", "How can I withdraw my request?", "can I still cancel "
                                  "R-12?", "How do I withdraw that request?", "is it possible to cancel my ticket?"])
def test_asking_whether_or_how_to_withdraw_is_a_question_about_it_never_the_order(text: str) -> None:
    assert withdrawal_in(text) == WithdrawalAsked(how=True)


@pytest.mark.parametrize(("text", "asked"), [
    ("I need Viewer in Looker; please withdraw my BambooHR request", WithdrawalAsked(mixed=True)),
    ("cancel R-1482 and R-1483", WithdrawalAsked(several=True)),
    ("cancel R-1482/1483", WithdrawalAsked(several=True)),
    ("Cancel R 1482", WithdrawalAsked(request_id="R-1482")),
    ("cancel my request?", WithdrawalAsked()),
    ("cancel R-1482. Actually no, keep it", WithdrawalAsked(question=True)),
    ("Cancel R-1482 next week", WithdrawalAsked(question=True)),
    ("Tomorrow, cancel R-1482", WithdrawalAsked(question=True)),
    ("Can you cancel R-1482 or should I ask my manager?", WithdrawalAsked(question=True)),
    ("Cancel R-1482 and request Editor in Confluence for me", WithdrawalAsked(mixed=True)),
    ("I'd also like Editor in Confluence. Cancel R-1482.", WithdrawalAsked(mixed=True)),
    ("please cancel R-1482 as I no longer need it", WithdrawalAsked(request_id="R-1482")),
    ("Cancel R-1482, it was filed by mistake, thanks", WithdrawalAsked(request_id="R-1482")),
    ("could you please cancel R-12?", WithdrawalAsked(request_id="R-12")),
    ("No, cancel that", WithdrawalAsked(that_one=True)),
    # a reason about someone else, or a mistake in what was asked
    ("withdraw R-1112, hannah doesn't need it anymore", WithdrawalAsked(request_id="R-1112")),
    ("cancel R-7 - she no longer needs it", WithdrawalAsked(request_id="R-7")),
    ("please withdraw R-7, wrong role", WithdrawalAsked(request_id="R-7")),
    ("cancel R-7, it was for the wrong person, thanks", WithdrawalAsked(request_id="R-7")),
    ("withdraw R-7, Hannah needs Editor instead", WithdrawalAsked(mixed=True)),
    # a condition is no order: never withdrawn on it
    ("cancel R-7 if hannah doesn't need it", WithdrawalAsked(mixed=True)),
    ("cancel R-7 when she no longer needs it", WithdrawalAsked(mixed=True)),
    ("cancel R-7 unless hannah doesn't need it", WithdrawalAsked(mixed=True)),
])
def test_mixed_several_and_asked_withdrawals_are_told_apart(text: str, asked: WithdrawalAsked) -> None:
    assert withdrawal_in(text) == asked
