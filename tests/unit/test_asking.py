"""Whether a message asks for the access it names, by its words alone: requests say so or are only the access
itself; thanks, remarks, hypotheticals, questions and refusals naming a role ask for nothing."""

from __future__ import annotations

import pytest

from bot.understanding.asking import asks_for_access

CATALOG_WORDS = frozenset("reader confluence viewer looker developer gitlab explore analyst zendesk payroll "
                          "processor bamboohr content curator wiki editor".split())


@pytest.mark.parametrize("text", [
    "I need Reader in Confluence", "Reader in Confluence", "confluence reader pls", "can I get Viewer in Looker?",
    "Hannah Bergstrom needs Payroll Processor in BambooHR", "i ned developr in gitlab", "need Developer in gitlab",
    "please add me to GitLab as Developer", "I'd like the Viewer role please", "give me Looker Viewer",
    "Could you give me Viewer in Looker", "Is it possible to get Viewer in Looker?", "we would like Content Curator",
    "My colleague has Viewer in Looker and I need it too", "Viewer in Looker for me", "Editor in Confluence?",
    "hi, Viewer in Looker", "I'm requesting Explore Analyst in Zendesk", "requesting Viewer in Looker",
    "any chance I could get Explore Analyst in Zendesk", "I really need Viewer in Looker",
])
def test_a_request_says_so_or_is_only_the_access(text: str) -> None:
    assert asks_for_access(text, CATALOG_WORDS)


def test_the_person_and_the_end_given_belong_to_a_bare_request() -> None:
    assert asks_for_access("Viewer in Looker for 2 weeks", CATALOG_WORDS, ["for 2 weeks"])
    assert asks_for_access("Looker Viewer for Hannah Bergstrom", CATALOG_WORDS, ["Hannah Bergstrom"])
    assert asks_for_access("Viewer in Looker until Friday the 18th", CATALOG_WORDS)
    assert asks_for_access("Viewer in Looker so I can check the campaign dashboards", CATALOG_WORDS)
    assert asks_for_access("Developer in GitLab, no rush", CATALOG_WORDS)
    assert not asks_for_access("Viewer in Looker was a mess yesterday", CATALOG_WORDS)  # words of no request


@pytest.mark.parametrize("text", [
    "thanks for the Confluence Reader access!", "Thank you, GitLab Developer works now",
    "Should I give Siobhan Vasquez Developer in GitLab?", "Mai Ruiz already has Looker Viewer, right?",
    "Joaquin wants Explore Analyst in Zendesk but I said no", "I refuse the Explore Analyst role in Zendesk",
    "If I were a Developer in GitLab I could push this fix myself", "I already have Developer in GitLab",
    "it would be nice to have Content Curator in Looker someday", "Is my Viewer in Looker request still pending?",
    "I'm not asking for access, just wondering what Reader in Confluence gives",
    "Tell me about Payroll Processor in BambooHR", "I heard Payroll Processor in BambooHR is being audited",
    "I might need Content Curator in Looker next quarter", "I requested Viewer in Looker by mistake, please ignore",
    "Why did Mai get Explore Analyst in Zendesk?", "Light Agent in Zendesk works, much appreciated",
])
def test_a_message_naming_a_role_without_asking_for_it_asks_for_nothing(text: str) -> None:
    assert not asks_for_access(text, CATALOG_WORDS)
