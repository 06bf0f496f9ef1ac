"""Answers to a person's questions about their own access: the roles they hold, their requests, one request;
and the questions asked in the chat that are answered elsewhere (the catalog's, an approver's queue, audit figures).

Everything shown is the person's own: requests made by them or for them, roles they hold. A request id that is
someone else's reads exactly like one that does not exist, except to an approver it waits for, who is told that it
waits and where to decide it.
"""

from __future__ import annotations

import re

from bot.catalog_answers import application_roles, role_described
from bot.domain import Decision, Outcome, Person, Reason
from bot.messages import described_access, explanation, for_an_approver, since_filed, status_text
from bot.ports import AccessLedger, DecisionStore, Directory, HeldRole, RequestSummary
from bot.understanding.catalog_matcher import winners
from bot.understanding.examples import Examples
from bot.understanding.questions import Asked, SelfQuestion
from bot.understanding.resolver import CatalogVocabulary, resolve_role
from bot.understanding.text import numbered
from bot.understanding.time_limits import shown_end

NOTHING_REQUESTED = "Nothing was requested."


def others_access_answer(examples: Examples) -> str:
    return ("I can tell you about your own access (\"what access do I have?\") and your own requests, not what "
            "someone else holds: ask their manager or the application's owner. Nothing was requested; to ask for "
            "access for someone who reports to you, start with their name or email instead of \"I\", for example "
            f"\"{examples.someone_else}\".")


APPROVALS_ELSEWHERE = ("I do not decide requests in the chat: decide them in the console (/console) or with "
                      "\"askiam approvals list --as {user}\" and \"askiam approvals decide ID approve|deny --as "
                      "{user}\". Nothing was changed.")
AUDIT_FIGURES_ANSWER = ("In the chat I answer about your own access and requests. Figures over everyone's requests "
                        "(how many were approved automatically, denied, decided by whom) are for auditors: the audit "
                        "page of the console (/console), or \"askiam audit report --since this-week\" (also \"askiam "
                        "audit query --count\" with filters). Nothing was requested.")
# At most this many roles or requests are listed in one answer ("and N more" says what was left out).
LISTED = 8
LISTED_ALL = 200
_ALL = re.compile(r"\ball\b|\bevery\b|\bfull\b|\bwhole\b|\bcomplete\b", re.IGNORECASE)
REQUESTS_READ = 50
# "my pending requests", "any open requests?": those still waiting for a decision.
_WAITING = re.compile(r"(?<!not )(?<!non-)\b(?:pending|open|waiting|outstanding|undecided)\b", re.IGNORECASE)


class OwnAccessAnswers:
    def __init__(self, ledger: AccessLedger, store: DecisionStore, directory: Directory) -> None:
        self._ledger = ledger
        self._store = store
        self._directory = directory

    def answer(self, question: SelfQuestion, requester: Person, vocabulary: CatalogVocabulary, text: str) -> str:
        if question.asked is Asked.ONE_REQUEST:
            assert question.request_id is not None
            return self._one_request(question.request_id, requester, vocabulary)
        elsewhere = self._answered_elsewhere(question, requester, vocabulary, text)
        if elsewhere is not None:
            return elsewhere
        apps = winners(vocabulary.apps.find(vocabulary.words_of(text)))
        app_id = apps[0].entity_id if len(apps) == 1 else None
        if question.asked is Asked.WHO_APPROVES:
            return self._who_approves(vocabulary, app_id)
        if question.asked is Asked.LATEST_REQUEST:
            return self._latest_request(requester, vocabulary, app_id)
        if question.asked is Asked.WHY_DENIED:
            return self._why_denied(requester, vocabulary, app_id)
        if question.asked is Asked.MY_REQUESTS:
            return self._my_requests(requester, vocabulary, app_id, only_waiting=bool(_WAITING.search(text)),
                                     text=text)
        return self._my_access(requester, vocabulary, app_id, text)

    def _answered_elsewhere(self, question: SelfQuestion, requester: Person, vocabulary: CatalogVocabulary,
                            text: str) -> str | None:
        """The answer to a question that is not about the person's own access or requests, if it is one."""
        if question.asked is Asked.OTHERS_ACCESS:
            return others_access_answer(vocabulary.examples)
        if question.asked is Asked.DECLINED:
            return (f"Nothing was requested: I read that as access not to be given. To ask for access, say what you "
                    f"need, for example \"{vocabulary.examples.request}\".")
        if question.asked is Asked.MY_REPORTS:
            return self._my_reports(requester, vocabulary)
        if question.asked is Asked.MY_MANAGER:
            return self._my_manager(requester)
        if question.asked is Asked.APP_ROLES:
            # "What roles does Rui have?" names no application: it asks about someone else's access.
            return application_roles(vocabulary, text, question.subject) or others_access_answer(vocabulary.examples)
        if question.asked is Asked.ROLE_INFO:
            return role_described(vocabulary, text)
        if question.asked is Asked.APPROVAL_QUEUE:
            return self._approval_queue(requester)
        if question.asked is Asked.AUDIT_FIGURES:
            return AUDIT_FIGURES_ANSWER
        return None

    def _approval_queue(self, requester: Person) -> str:
        waiting = self._ledger.awaiting_decision_by(requester.user_id)
        how = APPROVALS_ELSEWHERE.format(user=requester.user_id)
        if not waiting:
            return f"No request is waiting for your decision. {how}"
        return f"{_count(waiting, 'request')} {'is' if waiting == 1 else 'are'} waiting for your decision. {how}"

    def _latest_request(self, requester: Person, vocabulary: CatalogVocabulary, app_id: str | None) -> str:
        """"Was I approved?": the latest request made by or for the person (in the application named, if any)."""
        found = [item for item in self._ledger.requests_about(requester.user_id, REQUESTS_READ)
                 if app_id is None or item.app_id == app_id]
        where = _in_application(vocabulary, app_id)
        if not found:
            return f"You have no requests{where} yet. To ask for access, say what you need."
        latest = self._store.get(found[0].request_id)
        if latest is None:
            return self._my_requests(requester, vocabulary, app_id)
        more = " Ask \"my requests\" for the others." if len(found) > 1 else ""
        return f"Your latest request{where}, {self._state_of(latest, requester, vocabulary)}{more}"

    def _why_denied(self, requester: Person, vocabulary: CatalogVocabulary, app_id: str | None) -> str:
        """"Why was I denied?": the reasons of the request made by or for the person denied last (a withdrawal is
        not a denial), in the application named, if any."""
        denials = [item for item in self._ledger.requests_about(requester.user_id, REQUESTS_READ)
                   if item.decision == Decision.DENIED.value and item.reason != Reason.WITHDRAWN.value
                   and (app_id is None or item.app_id == app_id)]
        # the latest denied: an approver's denial of an older request may be newer than a request denied at once
        denied = max(denials, key=lambda item: item.decided_at or item.created_at, default=None)
        where = _in_application(vocabulary, app_id)
        outcome = self._store.get(denied.request_id) if denied is not None else None
        if outcome is None:
            return (f"None of your recent requests{where} was denied. Ask \"my requests\" for the latest ones, or "
                    f"\"status of R-...\" for one of them.")
        decider = decider_name(outcome, requester.user_id, self._directory)
        return f"{explanation(outcome, decider)} Ask \"status of R-...\" for another request."

    def _my_reports(self, requester: Person, vocabulary: CatalogVocabulary) -> str:
        reports = self._directory.reports_of(requester.user_id, limit=LISTED_ALL)
        if not reports:
            return f"The directory lists nobody who reports to you. {NOTHING_REQUESTED}"
        shown = [f"{person.display_name} ({person.email})" for person in reports]
        example = vocabulary.examples.someone_else.replace("...", reports[0].display_name, 1)
        lead = "1 person reports" if len(shown) == 1 else f"{len(shown)} people report"
        return (f"{lead} to you: {listing(shown)}. To ask for access for one of them, start with their name, for "
                f"example \"{example}\". {NOTHING_REQUESTED}")

    def _my_manager(self, requester: Person) -> str:
        manager = self._directory.get_person(requester.manager_id) if requester.manager_id else None
        if manager is None:
            return f"The directory lists no manager for you. {NOTHING_REQUESTED}"
        left = "" if manager.is_active else " (no longer active: requests for you go to the application's owner)"
        return f"Your manager is {manager.display_name} ({manager.email}){left}. {NOTHING_REQUESTED}"

    def _who_approves(self, vocabulary: CatalogVocabulary, app_id: str | None) -> str:
        if app_id is None:
            return (f"A request goes to the application's owner and to the manager of the person it is for; a "
                    f"privileged role to the owner only (to the owner's manager when the owner cannot decide). Name "
                    f"the application to learn its owner. {NOTHING_REQUESTED}")
        app = vocabulary.catalog.applications[app_id]
        owner = self._directory.get_person(app.owner_id) if app.owner_id else None
        privileged = [role.name for role in vocabulary.catalog.roles_of(app_id) if role.privileged]
        if owner is not None and owner.is_active:
            deciding, short = f"its owner, {owner.display_name}", "the owner"
        else:  # the owner cannot decide: their manager does, when active (as the approvals route them)
            standing_in = self._directory.get_person(owner.manager_id) if owner and owner.manager_id else None
            deciding, short = (f"its owner's manager, {standing_in.display_name} (the owner is not active now)",
                               "the owner's manager") if standing_in is not None and standing_in.is_active else ("", "")
        if not deciding:
            waits = f" Privileged roles ({', '.join(privileged)}) wait until they expire." if privileged else ""
            return (f"Requests for roles in {app.name} go to the manager of the person they are for: it has no "
                    f"owner who can decide now (none active, nor an active manager of one).{waits} "
                    f"{NOTHING_REQUESTED}")
        only = f" Privileged roles ({', '.join(privileged)}) go to {short} only." if privileged else ""
        return (f"Requests for roles in {app.name} go to {deciding}, and to the manager of the person they are "
                f"for.{only} {NOTHING_REQUESTED}")

    def _my_access(self, requester: Person, vocabulary: CatalogVocabulary, app_id: str | None, text: str) -> str:
        catalog = vocabulary.catalog
        held = [grant for grant in self._ledger.roles_held(requester.user_id) if grant.role_id in catalog.roles]
        if app_id is None:
            if not held:
                return "You hold no roles in the applications I know. To ask for one, say what you need."
            named, names = _roles_named(vocabulary, held, text)
            if named:  # "when does my Break-Glass access expire?": that grant (or those of that name), not the list
                ends = [self._held(vocabulary, grant, requester.time_zone, say_no_end=True) for grant in named]
                return f"{_yes(text)}hold {ends[0] if len(ends) == 1 else listing(ends)}. {NOTHING_REQUESTED}"
            if names:
                return (f"No: you hold no role named {' or '.join(names)}. {NOTHING_REQUESTED} Ask \"what access do I "
                        "have?\" for the roles you hold.")
            # "show all my access": the whole list; otherwise the first few, and how many more (and how to see them).
            everything = bool(_ALL.search(text))
            limit = LISTED_ALL if everything else LISTED
            cut_short = len(held) > limit
            more = " Ask \"show all my access\" for the whole list." if cut_short and not everything else ""
            shown = listing([self._held(vocabulary, grant, requester.time_zone) for grant in held], limit)
            return f"You hold {_count(len(held), 'role')}: {shown}.{more}"
        app = catalog.applications[app_id]
        mine = [grant for grant in held if catalog.roles[grant.role_id].app_id == app_id]
        role, _, _ = resolve_role(vocabulary, app, vocabulary.words_of(text))
        if role is not None:
            grant = next((grant for grant in mine if grant.role_id == role.role_id), None)
            if grant is not None:  # "when does it expire?" is answered by the end, or by there being none
                return (f"{_yes(text)}hold {self._held(vocabulary, grant, requester.time_zone, say_no_end=True)}. "
                        f"{NOTHING_REQUESTED}")
            note = self._pending_note(requester, vocabulary, app_id, role.role_id)
            return f"No: you do not hold {role.name} in {app.name}.{note}"
        if not mine:
            return (f"You hold no role in {app.name}.{self._pending_note(requester, vocabulary, app_id)} To ask for "
                    f"one, say for example \"I need the {catalog.roles_of(app_id)[0].name} role in {app.name}\".")
        held_here = listing([self._held(vocabulary, grant, requester.time_zone, say_no_end=True) for grant in mine])
        return f"In {app.name} you hold {held_here}."

    def _pending_note(self, requester: Person, vocabulary: CatalogVocabulary, app_id: str,
                      role_id: str | None = None) -> str:
        """The person's own requests waiting for approval in the application (for the role, when one is asked
        about: a request for another role says nothing about this one)."""
        waiting = [item for item in self._ledger.requests_about(requester.user_id, REQUESTS_READ)
                   if item.app_id == app_id and item.decision == Decision.PENDING_APPROVAL.value
                   and item.target_id == requester.user_id and (role_id is None or item.role_id == role_id)]
        if not waiting:
            return ""
        if role_id is not None:
            return f" Your request for it is waiting for approval: {', '.join(i.request_id for i in waiting)}."
        roles = vocabulary.catalog.roles
        listed = ", ".join(f"{item.request_id} ({roles[item.role_id].name if item.role_id in roles else item.role_id})"
                           for item in waiting)
        return f" Waiting for approval: {listed}."

    def _my_requests(self, requester: Person, vocabulary: CatalogVocabulary, app_id: str | None, *,
                     only_waiting: bool = False, text: str = "") -> str:
        """The latest requests by or for the requester; "my pending requests", those waiting for approval only."""
        found = [item for item in self._ledger.requests_about(requester.user_id, REQUESTS_READ)
                 if (app_id is None or item.app_id == app_id)
                 and (not only_waiting or item.decision == Decision.PENDING_APPROVAL.value)]
        # "is my Maintenance Planner request approved yet?": the requests for that role, when there are any
        named = _role_ids_named(vocabulary, text)
        found = [item for item in found if item.role_id in named] or found
        where = _in_application(vocabulary, app_id)
        if not found and only_waiting:
            return f"None of your requests{where} is waiting for approval. Ask \"my requests\" for the latest ones."
        if not found:
            return f"You have no requests{where} yet. To ask for access, say what you need."
        waiting = sum(1 for item in found if item.decision == Decision.PENDING_APPROVAL.value)
        lead = f"Your requests waiting for approval{where}" if only_waiting else \
            f"Your latest requests{where}" + (f" ({waiting} waiting for approval)" if waiting else "")
        lines = [self.summary(item, requester, vocabulary) for item in found]
        return f"{lead}: {listing(lines)}. Ask \"status of R-...\" for one of them."

    def _one_request(self, request_id: str, requester: Person, vocabulary: CatalogVocabulary) -> str:
        outcome = self._store.get(request_id)
        party = outcome is not None and requester.user_id in (outcome.requester_id, outcome.user_id)
        # Theirs; or one waiting for them as its approver ("already waiting for approval as R-1004" told to a
        # manager), of which they learn that it waits and where to decide it, not what its requester was told.
        deciding = outcome is not None and not party and outcome.decision is Decision.PENDING_APPROVAL \
            and self._ledger.decides(outcome.request_id, requester.user_id)
        if outcome is None or not (party or deciding):
            return f"I could not find request {request_id} among your requests."
        if deciding:
            assert outcome is not None
            return for_an_approver(outcome, self.described(outcome, requester, vocabulary), "")
        return f"Request {self._state_of(outcome, requester, vocabulary)}"

    def _state_of(self, outcome: Outcome, requester: Person, vocabulary: CatalogVocabulary) -> str:
        """"R-1 (Viewer in Box for you) is waiting for approval. <its answer>", or "R-1 (...): Denied by Lina Reyes
        on ... When it was filed: ..." for one decided since."""
        what = self.described(outcome, requester, vocabulary)
        if outcome.review is not None:
            decider = decider_name(outcome, requester.user_id, self._directory)
            return f"{outcome.request_id}{what}: {since_filed(outcome, decider)}{outcome.message}"
        return f"{outcome.request_id}{what} is {status_text(outcome.decision, outcome.reason)}. {outcome.message}"

    def described(self, outcome: Outcome, requester: Person, vocabulary: CatalogVocabulary) -> str:
        """" (Viewer in Box for you)": what a request asks for, to follow its id; "" when the catalog no longer
        knows it."""
        described = described_access(vocabulary.catalog, outcome.app_id, outcome.role_id,
                                     self._who(outcome.user_id or "", requester))
        return f" ({described})" if described else ""

    def summary(self, item: RequestSummary, requester: Person, vocabulary: CatalogVocabulary) -> str:
        """"R-1 (2026-12-05): Viewer in Box for you, waiting for approval": one line of a list of requests."""
        role = vocabulary.catalog.roles.get(item.role_id)
        app = vocabulary.catalog.applications.get(item.app_id)
        what = f"{role.name} in {app.name}" if role and app else item.role_id
        until = f" until {shown_end(item.access_until, requester.time_zone)}" if item.access_until else ""
        return (f"{item.request_id} ({item.created_at:%Y-%m-%d}): {what} for "
                f"{self._who(item.target_id, requester)}{until}, {status_text(Decision(item.decision), item.reason)}")

    def _who(self, user_id: str, requester: Person) -> str:
        if user_id == requester.user_id:
            return "you"
        person = self._directory.get_person(user_id)
        return person.display_name if person else user_id

    @staticmethod
    def _held(vocabulary: CatalogVocabulary, grant: HeldRole, zone: str, *, say_no_end: bool = False) -> str:
        """"Viewer in Box (until ...)", the end on the clock of `zone`; with `say_no_end`, a grant without an end
        says so ("(no end date)")."""
        role = vocabulary.catalog.roles[grant.role_id]
        app = vocabulary.catalog.applications.get(role.app_id)
        until = f" (until {shown_end(grant.expires_at, zone)})" if grant.expires_at else \
            " (no end date)" if say_no_end else ""
        return f"{role.name} in {app.name if app else role.app_id}{until}"


def _roles_named(vocabulary: CatalogVocabulary, held: list[HeldRole], text: str) -> tuple[list[HeldRole], list[str]]:
    """The person's grants whose role the text names by its exact name or alias (no application named), and the
    names of the roles named, held or not."""
    named = _role_ids_named(vocabulary, text)
    names = sorted({vocabulary.catalog.roles[role_id].name for role_id in named if role_id in vocabulary.catalog.roles})
    return [grant for grant in held if grant.role_id in named], names


def _role_ids_named(vocabulary: CatalogVocabulary, text: str) -> set[str]:
    """The roles the text names by their exact name or alias, in whatever application."""
    return {hit.entity_id for hit in vocabulary.roles.exact(vocabulary.words_of(text))}


def decider_name(outcome: Outcome, requester_id: str, directory: Directory) -> str:
    """Who decided a recorded request after it was filed, as the person asking reads it: "you", the decider's name,
    or their id (the system's own, for an expiry); "" when nobody has."""
    if outcome.review is None:
        return ""
    if outcome.review.decided_by == requester_id:
        return "you"
    person = directory.get_person(outcome.review.decided_by)
    return person.display_name if person is not None else outcome.review.decided_by


def current_answer(outcome: Outcome, directory: Directory) -> str:
    """What the requester would be told of a recorded request now, as the chat's status answer tells it: what was
    decided since filing (by whom, when, with what comment, or that the checks run again turned an approval down),
    then the answer at filing; the answer at filing alone while nothing was."""
    return since_filed(outcome, decider_name(outcome, outcome.requester_id, directory)) + outcome.message


def _in_application(vocabulary: CatalogVocabulary, app_id: str | None) -> str:
    """" in Looker" for the application a question names; "" when it names none."""
    return f" in {vocabulary.catalog.applications[app_id].name}" if app_id else ""


# "When does my X expire?", "how long do I have X?": asked when, not whether.
_ASKED_WHEN = re.compile(r"\b(?:when|how\s+long|expir\w*|end\s+date|run\s+out|lapse)\b", re.IGNORECASE)


def _yes(text: str) -> str:
    """The start of the answer that a role is held: "Yes: you " to "do I have X?", "You " to "when does it end?"."""
    return "You " if _ASKED_WHEN.search(text) else "Yes: you "


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def listing(items: list[str], limit: int = LISTED) -> str:
    shown = numbered(items[:limit])
    return shown + (f"; and {len(items) - limit} more" if len(items) > limit else "")
