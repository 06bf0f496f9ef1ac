"""Which question a message asks instead of asking for access, by its shape alone; and the requests and statements
that only sound like questions, which must stay what they were."""

from __future__ import annotations

import pytest

from bot.understanding.questions import Asked, question_in


def asked(text: str) -> str | None:
    found = question_in(text)
    return found.asked.value if found is not None else None


@pytest.mark.parametrize("text", [
    "do I have GCP prod owner?", "Do I already have Looker Viewer?", "do I have GitLab maintainer",
    "have I got Reporter in GitLab", "Have I already got the Explorer role?", "do i still hold Viewer in Looker?",
    "Do I currently have Okta super admin", "do I have a Looker account?", "do I have access to Confluence",
    "am I a GitLab maintainer?", "Am I already an Admin in Looker", "am I Looker admin",
    "is my Looker access still active?", "are my GitLab roles still valid?", "Is my Okta account active",
    "When does my GitLab Maintainer access expire?", "when will my Viewer role in Looker end?",
    "does my GCP prod access expire?", "until when do I have Explorer in Looker?",
    "how long do I have Viewer in Looker for?", "how long is my GitLab access valid?",
    "what's the expiry date of my Looker access?", "hi, do I have Viewer in Looker?",
    "Do I have Viewer in Looker? If not I need it",
])
def test_questions_about_holding_a_role_are_questions_about_ones_own_access(text: str) -> None:
    assert asked(text) == Asked.MY_ACCESS.value


@pytest.mark.parametrize("text", [
    "Do I have to request Reader in Box?", "Have I got time to request Explorer in Looker before Friday",
    "do I have anyone in Finance who can approve Explorer", "am I right in thinking I need Explorer in Looker",
    "am I allowed to have Owner in GCP prod?", "I need Viewer in Looker", "I have Reader in Confluence",
    "I already have Reader, now I need Contributor in Confluence", "give me GitLab maintainer until Friday",
    "Can I have Viewer in Looker?", "Looker viewer please", "do I have a way to request Explorer?",
    "my request for Viewer is still pending, please approve it", "is my request still active?",
])
def test_requests_and_statements_that_only_sound_like_a_question_about_holding_a_role(text: str) -> None:
    assert asked(text) != Asked.MY_ACCESS.value


@pytest.mark.parametrize("text", [
    "I need the Viewer role in Looker", "I need Explorer in Looker for two weeks", "Ana needs Reader in Confluence",
    "please add me to GitLab as Developer", "I want to approve purchase orders in Coupa",
    "I need Payment Approver in NetSuite", "Can I get Viewer so I can see how many requests we closed?",
    "I need access to approve requests in ServiceNow", "give me Looker Explorer, what does it cost?",
    "I need the role that lets me see dashboards in Looker",
])
def test_ordinary_requests_stay_requests(text: str) -> None:
    assert question_in(text) is None
