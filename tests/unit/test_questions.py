"""Which question a message asks instead of asking for access, by its shape alone; and the requests, statements and
follow-ups that only sound like questions, which must stay what they were."""

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


@pytest.mark.parametrize(("text", "question"), [
    ("what roles does Looker have?", "app_roles"), ("which roles are there in Looker?", "app_roles"),
    ("what can I request in GitLab?", "app_roles"), ("What roles can I ask for in Okta", "app_roles"),
    ("list the roles in GitLab", "app_roles"), ("show me all Looker roles", "app_roles"),
    ("show me the GitLab roles please", "app_roles"), ("Does Looker have a Viewer role?", "app_roles"),
    ("what are the GitLab roles?", "app_roles"), ("what is available in Confluence?", "app_roles"),
    ("which roles exist?", "app_roles"), ("what access levels are there in Zendesk", "app_roles"),
    ("what does the PII Reader role give me?", "role_info"), ("What does Looker Viewer do?", "role_info"),
    ("what is the Maintainer role in GitLab?", "role_info"), ("tell me about the Explorer role", "role_info"),
    ("what can I do with PII Reader?", "role_info"), ("what does Maintainer in GitLab let me do", "role_info"),
    ("why was I denied?", "why_denied"), ("why did my request get denied", "why_denied"),
    ("Why was my Looker request rejected?", "why_denied"), ("how come I was turned down", "why_denied"),
    ("was I approved?", "latest_request"), ("have I been approved for Viewer in Looker?", "latest_request"),
    ("did my request go through?", "latest_request"), ("Did I get approved", "latest_request"),
    ("has my request gone through yet", "latest_request"),
    ("show me my approval queue", "approval_queue"), ("what requests are waiting for my approval?", "approval_queue"),
    ("anything for me to approve?", "approval_queue"), ("do I have anything to approve?", "approval_queue"),
    ("my pending approvals", "approval_queue"), ("approve R-1482", "approval_queue"),
    ("deny request r1482", "approval_queue"), ("what should I approve", "approval_queue"),
    ("how many requests were auto-approved this week?", "audit_figures"),
    ("what is the auto-approval rate?", "audit_figures"), ("show me the audit report", "audit_figures"),
    ("status of my requests", "my_requests"), ("status of my Looker request", "my_requests"),
])
def test_questions_about_the_catalog_requests_and_work_done_elsewhere(text: str, question: str | None) -> None:
    assert asked(text) == question


def test_the_subject_of_what_roles_does_x_have_is_kept_for_the_catalog_to_tell_apart() -> None:
    found = question_in("What roles does Looker have?")
    assert found is not None and (found.asked, found.subject) == (Asked.APP_ROLES, "looker")
    found = question_in("what roles does Rui Costa have")
    assert found is not None and (found.asked, found.subject) == (Asked.APP_ROLES, "rui costa")
    found = question_in("does Looker have any admin roles")
    assert found is not None and (found.asked, found.subject) == (Asked.APP_ROLES, "looker")
    # Someone's roles in an application is someone else's access, whatever the subject is.
    found = question_in("what roles does Rui have in Looker?")
    assert found is not None and found.asked is Asked.OTHERS_ACCESS


@pytest.mark.parametrize("text", [
    "why was my request denied?", "why was it denied?", "what does that mean?", "why?",
])
def test_follow_ups_about_the_decision_just_given_are_left_to_it(text: str) -> None:
    assert question_in(text) is None


@pytest.mark.parametrize("text", [
    "I need the Viewer role in Looker", "I need Explorer in Looker for two weeks", "Ana needs Reader in Confluence",
    "please add me to GitLab as Developer", "I want to approve purchase orders in Coupa",
    "I need Payment Approver in NetSuite", "Can I get Viewer so I can see how many requests we closed?",
    "I need access to approve requests in ServiceNow", "give me Looker Explorer, what does it cost?",
    "I need the role that lets me see dashboards in Looker",
])
def test_ordinary_requests_stay_requests(text: str) -> None:
    assert question_in(text) is None


@pytest.mark.parametrize("text", ["What does the Looker Viewer role give me? I need it for 2 weeks",
                                  "what is the Looker Viewer role, I need it", "Approve it, I need Viewer in Looker",
                                  "did i get the role right? I need Viewer in Looker",
                                  "Who approves Editor in Confluence? I need it"])
def test_a_question_beside_a_request_for_access_leaves_the_request_to_be_read(text: str) -> None:
    assert question_in(text) is None


@pytest.mark.parametrize(("text", "question"), [
    # who holds a role, and remarks about someone else's access: never a request for the speaker
    ("who holds Reader in Confluence?", "others_access"), ("who else has Agent in Zendesk", "others_access"),
    ("which of my teammates has Agent in Zendesk?", "others_access"),
    ("list everyone with End User in Okta", "others_access"),
    ("show me all the people who hold Admin in Looker", "others_access"),
    ("how many people have Sales User in HubSpot?", "others_access"),
    ("Is Mia Eriksen a ServiceNow Requester?", "others_access"),
    ("My colleague got Employee Self-Service in BambooHR yesterday", "others_access"),
    ("what's the status of Alejandro Lopes's request?", "others_access"),
    ("who is Alejandro Lopes's manager?", "others_access"),
    ("Who are my reports?", "my_reports"), ("list my direct reports", "my_reports"),
    ("who reports to me?", "my_reports"),
    # how to get a role, whether one is needed: what it is for, and how to ask
    ("How do I get Requester in ServiceNow?", "role_info"), ("how can we obtain Editor in Confluence", "role_info"),
    ("Do I need Requisitioner in Coupa to raise a PO?", "role_info"),
    # access named in order not to be given
    ("don't give me Viewer in Google Cloud Production", "declined"),
    ("I never asked for Requisitioner in Coupa", "declined"),
    ("Do not give Hannah Bergström Viewer in NetSuite", "declined"),
    ("Hannah Bergström should not get Viewer in NetSuite", "declined"), ("please do not grant me Admin", "declined"),
])
def test_questions_about_others_how_to_and_refusals_are_never_requests(text: str, question: str) -> None:
    assert asked(text) == question


@pytest.mark.parametrize("text", [
    "I don't want admin, just Reader in Confluence", "Don't give me Admin, I need Viewer in Looker",
    "My colleague got Viewer in Looker, I need it too", "My manager asked me to request Viewer in Looker",
    "I need Viewer in Looker, never had it", "Please add me to Viewer in Looker, I never got it",
    "do I need to request Viewer in Looker?", "can I get Viewer in Looker?", "is it possible to get Viewer in Looker?",
])
def test_a_request_beside_a_refusal_or_a_remark_stays_a_request(text: str) -> None:
    assert question_in(text) is None
