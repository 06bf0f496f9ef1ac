"""The access-request service: understand, check and retrieve in parallel, decide, record, answer."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from bot.circuit import CircuitBreaker
from bot.conversation import (
    MAX_TURNS,
    ConversationState,
    LastRequest,
    after,
    asked_again,
    choose_candidate,
    decided,
    decided_as_recorded,
    declined,
    names_whose,
    remember,
)
from bot.decision import Support, confidence_after_judge, decide, first_failure, thin_evidence
from bot.domain import (
    Application,
    CheckName,
    CheckResult,
    Clarification,
    Confidence,
    Decision,
    Evidence,
    MatchedEntity,
    Outcome,
    Person,
    Reason,
    ResolvedRequest,
    Role,
)
from bot.errors import (
    ConversationTooLongError,
    DuplicateRequestError,
    GrantRecheckFailedError,
    IdempotencyKeyReusedError,
    InvalidRequestError,
    RateLimitedError,
    RequesterError,
)
from bot.evidence import PolicyFinder, passage_evidence
from bot.messages import NO_APPROVER_NOTE, decision_message, explanation, extension_note, pending_again_message
from bot.own_access import OwnAccessAnswers, decider_name
from bot.ports import (
    AccessLedger,
    CatalogSource,
    ConfidenceEstimator,
    DecisionRecord,
    DecisionStore,
    Directory,
    JudgeFinding,
    NoTelemetry,
    PolicyJudge,
    PolicyPassage,
    RequestWithdrawals,
    RulesChecker,
    Telemetry,
)
from bot.time_zones import now_in
from bot.understanding.after_decision import NOTHING_TO_EXPLAIN, asks_why, continues
from bot.understanding.asking import CONFIRM_SLOT, asks_for_access, not_asking_answer, whether_meant
from bot.understanding.catalog_matcher import winners
from bot.understanding.examples import Examples
from bot.understanding.intent import REMOVAL_SLOT, asks_for_removal, removal_answer
from bot.understanding.people import (
    PRONOUNS,
    TargetFinding,
    find_target,
    name_in_passing,
    name_in_reply,
    uses_pronoun,
    without_reply_opening,
)
from bot.understanding.questions import Asked, SelfQuestion, question_in, request_id_in
from bot.understanding.resolver import (
    CatalogVocabulary,
    pointed_role,
    resolve,
    resolve_app_and_role,
    resolve_role,
    without_names,
)
from bot.understanding.small_talk import (
    CANCELLED_ANSWER,
    ENDED_SLOT,
    THANKS_ANSWER,
    THANKS_WHILE_ASKING,
    asks_for_help,
    calls_off,
    closes,
    greeting_answer,
    help_answer,
    names_nothing,
    no_question_open,
    no_words_answer,
    not_understood,
    nothing_to_cancel,
    only_greeting,
    only_thanks,
    only_yes_or_no,
    without_words,
)
from bot.understanding.text import MAX_TEXT_CHARS, clean, fold, name_key, phrase_tokens
from bot.understanding.time_limits import (
    UNTIL_SLOT,
    TimeLimit,
    find_time_limit,
    shown_end,
    until_question,
    without_end,
)
from bot.understanding.withdrawal import WithdrawalAsked, withdrawal_in
from bot.withdrawals import RequestWithdrawalAnswers

log = logging.getLogger(__name__)
# Questions that are really answers: the conversation ends with them.
_ENDING_REASONS = {REMOVAL_SLOT: Reason.REMOVAL_NOT_HANDLED, ENDED_SLOT: Reason.NOTHING_REQUESTED}
RATE_WINDOW_S = 60
# The operator's own command line is not rate limited: whoever runs it can reach the database anyway.
LOCAL_CHANNELS = frozenset({"cli", "cli-chat", "bench"})


T = TypeVar("T")


def _run_now(call: Callable[..., T], *args: object) -> Future[T]:
    """Run at once in this thread, returning a finished future: the sequential baseline."""
    future: Future[T] = Future()
    try:
        future.set_result(call(*args))
    except Exception as exc:  # delivered through the future, as a pool would
        future.set_exception(exc)
    return future


@dataclass
class Timings:
    rules_ms: float = 0.0
    retrieval_ms: float = 0.0
    parallel_ms: float = 0.0
    # Whether the three lookups ran on threads of their own (False: one after the other in the calling thread).
    parallel: bool = False
    # After the lookups: combining them into the decision, citing its reason, and writing it (with its audit
    # record and event) in one transaction; write_ms is that transaction alone.
    decision_ms: float = 0.0
    write_ms: float = 0.0
    total_ms: float = 0.0


def _latencies(timings: Timings) -> dict[str, float]:
    """Latency by component, for the components that ran (a clarifying question runs no checks)."""
    parts = {"rules": timings.rules_ms, "retrieval": timings.retrieval_ms}
    return {**{name: ms for name, ms in parts.items() if ms > 0}, "total": timings.total_ms}


@dataclass
class Turn:
    """One answered turn: the outcome, and the conversation state to pass into the next turn."""

    outcome: Outcome
    state: ConversationState | None
    timings: Timings = field(default_factory=Timings)


@dataclass(frozen=True)
class ServicePorts:
    directory: Directory
    catalog: CatalogSource
    rules: RulesChecker
    confidence: ConfidenceEstimator
    policies: PolicyFinder
    store: DecisionStore
    judge: PolicyJudge | None = None
    telemetry: Telemetry = field(default_factory=NoTelemetry)
    # Answers "what access do I have?" and "status of my requests"; without it those are read as requests.
    ledger: AccessLedger | None = None
    # Calls off a pending request ("cancel R-1482"); without it (or the ledger) such a message is not understood.
    withdrawals: RequestWithdrawals | None = None


class AccessRequestService:
    """Handles one turn of one requester's conversation."""

    def __init__(self, ports: ServicePorts, executor: Executor, threshold: float, retrieval_timeout_s: float,
                 *, parallel: bool = True, cpu_busy: Callable[[], bool] | None = None,
                 rate_limit: int | None = None, breaker: CircuitBreaker | None = None,
                 min_role_history: int = 0) -> None:
        self._ports = ports
        # Past decisions a role needs before it is approved without a person (0: no such rule; bot.decision).
        self._min_role_history = min_role_history
        self._rate_limit = rate_limit
        # Stops hammering a failing vector index or embedding service; shared by every request of this service.
        self._breaker = breaker or CircuitBreaker(failures=5, reset_after_s=30.0)
        self._parallel = parallel
        # When given and true at the moment a request's lookups start, they run one after the other: with every
        # processor busy, threads only add switching (bot/cpu_load.py).
        self._cpu_busy = cpu_busy
        self._executor = executor
        self._threshold = threshold
        self._retrieval_timeout_s = retrieval_timeout_s
        self._vocabulary: CatalogVocabulary | None = None

    @property
    def ports(self) -> ServicePorts:
        return self._ports

    def with_parallelism(self, parallel: bool) -> AccessRequestService:
        """The same service over the same ports, with the checks and retrieval always run in parallel or never."""
        return AccessRequestService(self._ports, self._executor, self._threshold, self._retrieval_timeout_s,
                                    parallel=parallel, rate_limit=self._rate_limit, breaker=self._breaker,
                                    min_role_history=self._min_role_history)

    def vocabulary(self) -> CatalogVocabulary:
        catalog = self._ports.catalog.catalog()
        if self._vocabulary is None or self._vocabulary.catalog.version != catalog.version:
            self._vocabulary = CatalogVocabulary.build(catalog)
        return self._vocabulary

    def requester(self, requester_id: str, channel: str, text: str) -> Person:
        """The authenticated requester, who must exist and be active (rule 0); a refusal is audited."""
        person = self._ports.directory.get_person(requester_id)
        if person is None or not person.is_active:
            why = "unknown requester" if person is None else f"requester is {person.status}"
            self._ports.store.record_refusal(requester_id[:200], channel, clean(text), why)
            raise RequesterError(f"{requester_id!r} cannot use AskIAM: {why}")
        return person

    def handle(self, requester_id: str, text: str, *, channel: str = "cli", state: ConversationState | None = None,
               conversation_id: str | None = None, idempotency_key: str | None = None) -> Turn:
        """Answer one turn. `state` carries what earlier turns of the same conversation settled.

        A turn carrying an idempotency key already seen (a channel's retry, a double click) returns the outcome
        recorded the first time: one decision and one audit record per key and requester.
        """
        started = time.perf_counter()
        if not isinstance(text, str) or not clean(text):
            raise InvalidRequestError("the request text is empty")
        if len(text) > MAX_TEXT_CHARS:
            raise InvalidRequestError(f"the request text is longer than {MAX_TEXT_CHARS} characters")
        if state is not None and state.turns >= MAX_TURNS:
            raise ConversationTooLongError(f"this conversation has reached {MAX_TURNS} turns; please start a new "
                                           "conversation with your whole request")
        requester = self.requester(requester_id, channel, text)
        if channel not in LOCAL_CHANNELS:
            self._limit_rate(requester.user_id)
        key = f"{requester.user_id}:{idempotency_key}" if idempotency_key else None
        if key is not None:
            seen = self._ports.store.by_idempotency_key(key)
            if seen is not None:
                _require_same_request(seen, text)
                seen.repeated = True
                return Turn(outcome=seen, state=decided_as_recorded(seen))
        try:
            turn = self._answer(requester, text, channel, state, conversation_id, key)
        except DuplicateRequestError:
            assert key is not None  # only a keyed request can collide with another
            first = self._ports.store.by_idempotency_key(key)
            assert first is not None
            _require_same_request(first, text)
            first.repeated = True
            return Turn(outcome=first, state=decided_as_recorded(first))
        turn.timings.total_ms = (time.perf_counter() - started) * 1000
        self._ports.telemetry.decided(turn.outcome, channel=channel, latency_ms=_latencies(turn.timings))
        return turn

    def _limit_rate(self, requester_id: str) -> None:
        if self._rate_limit is None:
            return
        # Requests made on this machine's own command line do not count against the remote channels' limit.
        recent = self._ports.store.recent_requests(requester_id, RATE_WINDOW_S, not_on=LOCAL_CHANNELS)
        if recent >= self._rate_limit:
            raise RateLimitedError(f"more than {self._rate_limit} requests in {RATE_WINDOW_S} seconds; "
                                   f"please wait a minute and try again", retry_after_s=RATE_WINDOW_S)

    def _answer(self, requester: Person, text: str, channel: str, state: ConversationState | None,
                conversation_id: str | None, key: str | None) -> Turn:
        vocabulary = self.vocabulary()
        waiting = state is not None and state.waiting
        # What survives a turn that asks for nothing new: the request decided last in this conversation, which
        # "why?" or "same for Daniel" may refer to.
        kept = after(state)
        last = kept.last if kept is not None else None

        def answer(slot: str, reply: str, recorded_text: str) -> Turn:
            """A turn that asks for nothing new, answered and recorded; the conversation keeps only `kept`."""
            answered = ResolvedRequest(clarification=Clarification(slot=slot, question=reply))
            return self._clarify(requester, answered, recorded_text, channel, conversation_id, None, text, key,
                                 vocabulary.catalog.version, kept=kept)

        withdrawal = withdrawal_in(text)
        if withdrawal is not None and _withdrawal_meant(withdrawal, waiting, last) \
                and self._ports.ledger is not None and self._ports.withdrawals is not None:
            withdrawals = RequestWithdrawalAnswers(self._ports.ledger, self._ports.withdrawals, self._ports.store,
                                                   self._ports.directory)
            reply = withdrawals.answer(withdrawal, requester, vocabulary, text, channel,
                                       last.request_id if last is not None else None)
            return answer(ENDED_SLOT, reply, clean(text))
        ending = self._ending(text, waiting, vocabulary.examples)
        if ending is not None:
            texts = [*state.texts, clean(text)] if state is not None and waiting else [clean(text)]
            return answer(ending.slot, ending.question, " / ".join(texts))
        # A removal is never read as a request for the role it names.
        if asks_for_removal(text, vocabulary.app_words, vocabulary.role_words):
            return answer(REMOVAL_SLOT, removal_answer(vocabulary.examples), clean(text))
        question = question_in(text) if not waiting and self._ports.ledger is not None else None
        if question is not None:
            assert self._ports.ledger is not None
            answers = OwnAccessAnswers(self._ports.ledger, self._ports.store, self._ports.directory)
            reply = answers.answer(question, requester, vocabulary, text)
            shown = self._request_asked_about(question, requester, text)
            if shown is not None:  # "status of R-12", then "why?": the reasons of R-12
                kept = decided_as_recorded(shown) or kept
            return answer(ENDED_SLOT, reply, clean(text))
        if not waiting and asks_why(text):
            return answer(ENDED_SLOT, self._explain(requester, last) if last is not None else NOTHING_TO_EXPLAIN,
                          clean(text))
        asked_until = state is not None and state.asked is not None and state.asked.slot == UNTIL_SLOT
        changed: LastRequest | None = None  # the request this message changes ("actually make that Reader")
        if state is not None and asked_until:
            resolved = self._until_reply(text, requester, state, vocabulary)
            full_text = " / ".join([*state.texts, clean(text)])
        elif state is not None and state.waiting and (fresh := self._new_request(text, requester, vocabulary,
                                                                                 state)) is not None:
            # A whole request sent instead of a reply ("Hannah needs Reader in Confluence" to "Which role in
            # NetSuite?"): it replaces the one asked about.
            resolved, full_text, state = fresh, clean(text), None
        elif state is not None and state.waiting:
            resolved = self._follow_up(text, requester, vocabulary, state)
            resolved = resolved.model_copy(update={"until": resolved.until or state.until})
            full_text = " / ".join([*state.texts, clean(text)])
        elif last is not None and (continues(text) or (uses_pronoun(text) and _about_someone_else(last, requester))):
            resolved = self._continuation(text, requester, vocabulary, last)
            full_text = clean(text)
            changed = last
        else:
            full_text = clean(text)
            read = self._fresh(text, requester, vocabulary)
            if isinstance(read, str):
                return answer(ENDED_SLOT, read, full_text)
            resolved = read
        if resolved.is_complete and not asked_until:
            resolved = _with_time_limit(resolved, full_text, requester)
        version = vocabulary.catalog.version
        if not resolved.is_complete:
            return self._clarify(requester, resolved, full_text, channel, conversation_id, state, text, key, version)
        turn = self._evaluate(requester, resolved, full_text, channel, conversation_id, key, version)
        return self._noting_earlier_request(turn, changed, vocabulary) if changed is not None else turn

    def _fresh(self, text: str, requester: Person, vocabulary: CatalogVocabulary) -> ResolvedRequest | str:
        """A message that starts a request, read; or the answer that ends it when it names nothing ("test": asking
        which application would be a guess) or names access without asking for it ("thanks for Looker Viewer!",
        asked whether it is meant, or answered when it is not even clear which access)."""
        resolved = resolve(text, requester, vocabulary, self._ports.directory)
        if _names_nothing(text, resolved, vocabulary):
            return not_understood(vocabulary.examples)
        if _asks(text, resolved, vocabulary, requester):
            return resolved
        if not resolved.is_complete:
            return not_asking_answer(vocabulary.examples.request)
        return whether_meant(_with_time_limit(resolved, clean(text), requester), requester)

    def _noting_earlier_request(self, turn: Turn, last: LastRequest, vocabulary: CatalogVocabulary) -> Turn:
        """A change to the last request ("actually make that Content Curator") files a new request; the earlier
        one, still waiting for the same person in the same application, is said to stand (never withdrawn on a
        reading of "actually")."""
        outcome = turn.outcome
        if outcome.request_id in (None, last.request_id) or (outcome.user_id, outcome.app_id) != (
                last.target_id, last.app_id):
            return turn
        earlier = self._ports.store.get(last.request_id)
        role = vocabulary.catalog.roles.get(last.role_id)
        if earlier is None or earlier.decision is not Decision.PENDING_APPROVAL or role is None:
            return turn
        app = vocabulary.catalog.applications[last.app_id]
        note = (f" Your earlier request {last.request_id} ({role.name} in {app.name}) is still waiting for approval; "
                f"if this one replaces it, say \"cancel {last.request_id}\".")
        return replace(turn, outcome=outcome.model_copy(update={"message": outcome.message + note}))

    @staticmethod
    def _ending(text: str, waiting: bool, examples: Examples) -> Clarification | None:
        """The answer to a message that asks for nothing, which ends the conversation: calling off the request in
        progress, or closing words after an answer (while a question waits, "ok" may be its answer)."""
        if calls_off(text):
            return Clarification(slot=ENDED_SLOT, question=CANCELLED_ANSWER if waiting else nothing_to_cancel(examples))
        if not waiting and only_thanks(text):
            return Clarification(slot=ENDED_SLOT, question=THANKS_ANSWER)
        if closes(text):  # "ok thanks" to a question: the person is done, not answering it
            return Clarification(slot=ENDED_SLOT, question=THANKS_WHILE_ASKING)
        if not waiting and only_greeting(text):
            return Clarification(slot=ENDED_SLOT, question=greeting_answer(examples))
        if not waiting and asks_for_help(text):
            return Clarification(slot=ENDED_SLOT, question=help_answer(examples))
        if not waiting and only_yes_or_no(text):
            return Clarification(slot=ENDED_SLOT, question=no_question_open(examples))
        if not waiting and without_words(text):
            return Clarification(slot=ENDED_SLOT, question=no_words_answer(text, examples))
        return None

    def _explain(self, requester: Person, last: LastRequest) -> str:
        """The reasons of the request decided last, as recorded ("why?" right after it)."""
        outcome = self._ports.store.get(last.request_id)
        if outcome is None:
            return NOTHING_TO_EXPLAIN
        # Someone else's request only when it is open and the requester may ask for its person: the request they
        # were pointed at when asking for the same access.
        mine = requester.user_id in (outcome.requester_id, outcome.user_id)
        if not mine and not (outcome.decision is Decision.PENDING_APPROVAL and self._may_see(requester, outcome)):
            return NOTHING_TO_EXPLAIN
        return explanation(outcome, decider_name(outcome, requester.user_id, self._ports.directory))

    def _continuation(self, text: str, requester: Person, vocabulary: CatalogVocabulary,
                      last: LastRequest) -> ResolvedRequest:
        """A new request made of the one decided last with what this message changes ("same for Daniel",
        "actually make that Reader"). A message that changes nothing recognisable is asked about, never read as
        the same request again."""
        state = ConversationState(target_id=last.target_id, target_explicit=last.target_explicit, app_id=last.app_id,
                                  role_id=last.role_id)
        # The end asked for last time stays, unless this message gives another; one already past is asked about.
        carried = last.until if last.until is None or last.until > datetime.now(UTC) else None
        resolved = self._follow_up(text, requester, vocabulary, state).model_copy(update={"until": carried})
        asked = resolved.clarification
        if asked is not None and asked.slot == "role" and resolved.application is not None:
            # "same for Box" after Reader in Confluence: Box's own Reader, when it has one of that name.
            same_name = self._same_role_in(vocabulary, last.role_id, resolved.application)
            if same_name is not None:
                resolved = resolved.model_copy(update={"role": same_name, "clarification": None})
                asked = None
        if asked is not None:
            # What is asked about is not yet settled: a reply naming nothing must not leave the last request's.
            cleared = {"user": ("target",), "application": ("application", "role"), "role": ("role",)}
            return resolved.model_copy(update={name: None for name in cleared.get(asked.slot, ())})
        assert resolved.target is not None and resolved.application is not None and resolved.role is not None
        if (resolved.target.user_id, resolved.role.role_id) != (last.target_id, last.role_id):
            if last.until is not None and carried is None and \
                    find_time_limit(text, now_in(requester.time_zone)) is None:
                passed = TimeLimit(until=None, said=f"until {shown_end(last.until, requester.time_zone)}",
                                   problem="has already passed")
                return resolved.model_copy(update={"clarification": until_question(passed)})
            return resolved
        named = name_in_passing(text, set(vocabulary.words), self._ports.directory)
        if named is not None:  # "Rui too", "what about Daniel for a week?": someone named without a verb, asked about
            return resolved.model_copy(update={"target": None, "clarification": named})
        if find_time_limit(text, now_in(requester.time_zone)) is not None:
            return resolved  # only an end ("for 2 weeks please"): the same request with it, read by the caller
        _, _, question = resolve_role(vocabulary, resolved.application, vocabulary.words_of(text))
        assert question is not None  # the role did not change, so the words named none
        who = "you" if resolved.target.user_id == requester.user_id else resolved.target.display_name
        unsure = (f"I could not tell what to change in your last request ({resolved.role.name} in "
                  f"{resolved.application.name} for {who}): name the person, the application or the role. ")
        return resolved.model_copy(update={"role": None, "clarification": question.model_copy(
            update={"question": unsure + question.question})})

    def _new_request(self, text: str, requester: Person, vocabulary: CatalogVocabulary,
                     state: ConversationState) -> ResolvedRequest | None:
        """The reply read as a request of its own, when it is one: it names an application and a role, and whose
        access it is (or asks who, as "Hannah needs ..." among several Hannahs does); None for a reply to the
        question (a choice, a name, "Viewer in Ledgerly" for the person asked about). The end asked for before
        carries over to the same person's new request when it gives none."""
        if state.asked is not None and choose_candidate(text, state.asked.candidates) is not None:
            return None
        if not vocabulary.apps.find(vocabulary.words_of(text)):
            return None
        fresh = resolve(text, requester, vocabulary, self._ports.directory)
        asks_who = fresh.clarification is not None and fresh.clarification.slot == "user"
        if asks_who and state.target_id and fresh.clarification is not None \
                and fresh.clarification.mentioned in PRONOUNS:
            return None  # "he needs Viewer in Orbit": the person this conversation is about, as a reply
        if fresh.application is None or fresh.role is None or not (names_whose(fresh) or asks_who):
            return None
        if fresh.target is None or fresh.target.user_id != state.target_id:
            return fresh
        # The end said earlier ("I need something in Ledgerly for 3 days") is read once the request is whole.
        return fresh.model_copy(update={"until": state.until}) if state.until else \
            _with_time_limit(fresh, " ".join(state.texts), requester)

    def _until_reply(self, text: str, requester: Person, state: ConversationState,
                     vocabulary: CatalogVocabulary) -> ResolvedRequest:
        """The answer to "until when?": a time, or "no end date"; anything else asks again."""
        catalog = vocabulary.catalog
        settled = ResolvedRequest(
            target=self._ports.directory.get_person(state.target_id) if state.target_id else None,
            application=catalog.applications.get(state.app_id or ""), role=catalog.roles.get(state.role_id or ""),
            target_is_requester=state.target_id == requester.user_id)
        assert state.asked is not None
        if settled.target is None or settled.application is None or settled.role is None:
            return settled.model_copy(update={"clarification": state.asked})  # the catalog changed meanwhile
        if without_end(text):
            return settled
        limit = find_time_limit(text, now_in(requester.time_zone))
        if limit is None or limit.until is None:
            question = until_question(limit) if limit is not None else asked_again(state.asked, state.asked, text)
            return settled.model_copy(update={"clarification": question})
        return settled.model_copy(update={"until": limit.until})

    @staticmethod
    def _same_role_in(vocabulary: CatalogVocabulary, role_id: str, app: Application) -> Role | None:
        """The role of `app` named as the given role is (by name, whatever the case), if exactly one."""
        role = vocabulary.catalog.roles.get(role_id)
        if role is None or role.app_id == app.app_id:
            return None
        named = [other for other in vocabulary.catalog.roles_of(app.app_id) if fold(other.name) == fold(role.name)]
        return named[0] if len(named) == 1 else None

    def _follow_up(self, text: str, requester: Person, vocabulary: CatalogVocabulary,
                   state: ConversationState) -> ResolvedRequest:
        """Fill what the last question asked for from the reply, keeping what was already settled."""
        catalog = vocabulary.catalog
        directory = self._ports.directory
        target = directory.get_person(state.target_id) if state.target_id else None
        app = catalog.applications.get(state.app_id or "")
        role = catalog.roles.get(state.role_id or "")
        asked = state.asked
        matches: list[MatchedEntity] = []
        refused = declined(asked, text) if asked else None
        if refused is not None:
            # "No" to "Do you mean X?": not X, and nothing else settled by it; asked openly.
            return ResolvedRequest(target=None if refused.slot == "user" else target,
                                   application=None if refused.slot == "application" else app,
                                   role=None if refused.slot in ("application", "role") else role,
                                   clarification=refused)
        chosen = choose_candidate(text, asked.candidates) if asked else None
        if asked and chosen:
            if asked.slot == "user":
                target = directory.get_person(chosen.id)
            elif asked.slot == "application":
                app = catalog.applications.get(chosen.id)
                role = pointed_role(asked, app, catalog) or role
            elif asked.slot in ("role", CONFIRM_SLOT):
                role = catalog.roles.get(chosen.id)
            matches.append(MatchedEntity(kind=asked.slot, id=chosen.id, label=chosen.label, score=1.0,
                                         matched_text=clean(text)))
            clarification = None
        else:
            words = vocabulary.words_of(text)
            # To "who?", a name alone ("Noah", "no, I meant Noah") names that person; the "I" in it is not "me".
            asked_who = asked is not None and asked.slot == "user"
            in_reply = name_in_reply(clean(text), set(vocabulary.words), directory, requester.user_id) \
                if asked_who else None
            reply = clean(without_reply_opening(text)) if asked_who else clean(text)
            named = in_reply or find_target(reply or clean(text), requester, directory, set(vocabulary.words))
            # "he" in a reply is the person this conversation is about, once there is one.
            refers_back = target is not None and state.target_explicit and target.user_id != requester.user_id \
                and named.clarification is not None and named.clarification.mentioned in PRONOUNS
            if named.clarification is not None and not refers_back:
                return ResolvedRequest(target=target, application=app, role=role, clarification=named.clarification)
            target = _reply_target(named, target, requester, asked)
            if named.person is not None:
                # "same for Ruth Approver": the person's name is not the role Approver.
                words = without_names(words, [name_key(named.person.display_name)])
            # The reply may name the application, the role, or both; what it leaves out comes from earlier turns.
            reply_apps = winners(vocabulary.apps.find(words))
            clarification = None
            if len(reply_apps) == 1:
                app = catalog.applications[reply_apps[0].entity_id]
            elif len(reply_apps) > 1:
                _, _, _, clarification = resolve_app_and_role(words, vocabulary)
            if role is not None and app is not None and role.app_id != app.app_id:
                role = None
            role = role or pointed_role(asked, app, catalog)
            if app is not None and clarification is None:
                earlier = self._words_beside(vocabulary, target, " ".join(state.texts))
                attempts = [words] if role is not None else [words, earlier]
                new_role, found, question = resolve_role(vocabulary, app, *attempts,
                                                         for_whom=_others(target, requester))
                matches.extend(found)
                if new_role is not None:
                    role = new_role
                elif role is None:
                    clarification = question
        if app is not None and role is None and clarification is None:
            earlier = self._words_beside(vocabulary, target, " ".join(state.texts))
            role, found, clarification = resolve_role(vocabulary, app, earlier, for_whom=_others(target, requester))
            matches.extend(found)
        resolved = ResolvedRequest(target=target, application=app, role=role, matches=tuple(matches),
                                   clarification=clarification,
                                   target_is_requester=target is not None and target.user_id == requester.user_id)
        return self._still_missing(resolved, vocabulary, state, text)

    def _still_missing(self, resolved: ResolvedRequest, vocabulary: CatalogVocabulary, state: ConversationState,
                       text: str) -> ResolvedRequest:
        """The follow-up's question, if anything is still missing; when the reply settled nothing and the question
        is the one just asked, it is asked again saying the reply was not understood."""
        target, app, role, asked = resolved.target, resolved.application, resolved.role, state.asked
        clarification = resolved.clarification
        if target is None and asked is not None and asked.slot == "user" and (
                clarification is None or clarification.slot != "user"):
            clarification = asked  # still nobody named: the same question, with its candidates, before any other
        if target is not None and app is not None and role is not None:
            return resolved.model_copy(update={"clarification": None})
        clarification = clarification or self._missing(target, app, vocabulary, state)
        unchanged = (state.target_id, state.app_id, state.role_id) == (
            target.user_id if target else None, app.app_id if app else None, role.role_id if role else None)
        if asked is not None and clarification is not None and unchanged:
            clarification = asked_again(asked, clarification, text)
        return resolved.model_copy(update={"clarification": clarification})

    @staticmethod
    def _words_beside(vocabulary: CatalogVocabulary, target: Person | None, text: str) -> list[str]:
        """The words of earlier turns apart from the target's name, which never names a role."""
        return without_names(vocabulary.words_of(text), [name_key(target.display_name)] if target else [])

    def _missing(self, target: Person | None, app: Application | None, vocabulary: CatalogVocabulary,
                 state: ConversationState) -> Clarification | None:
        """The question for whatever is still missing after a follow-up filled one slot."""
        if target is None:
            return Clarification(slot="user", question="Who should get the access? Please give their name or email.")
        if app is None:
            return resolve_app_and_role(vocabulary.words_of(" ".join(state.texts)), vocabulary)[3]
        return resolve_app_and_role(list(phrase_tokens(app.name)), vocabulary)[3]

    def _clarify(self, requester: Person, resolved: ResolvedRequest, full_text: str, channel: str,
                 conversation_id: str | None, state: ConversationState | None, text: str, key: str | None,
                 catalog_version: int, *, kept: ConversationState | None = None) -> Turn:
        """Record and answer a turn that decides nothing. A question continues the conversation; an answer that
        ends it keeps only `kept` (the request decided before it, which a later "why?" may still ask about)."""
        question = resolved.clarification.question if resolved.clarification else \
            "Which application and role do you need?"
        # A removal, a cancel or a thanks is answered and the conversation ends: a "yes" to it must not become a
        # request for the role.
        slot = resolved.clarification.slot if resolved.clarification else ""
        reason = _ENDING_REASONS.get(slot, Reason.AMBIGUOUS_OR_MISSING_ENTITY)
        ended = slot in _ENDING_REASONS
        record = DecisionRecord(
            request_id=self._ports.store.new_request_id(),
            requester_id=requester.user_id, channel=channel, text=full_text, resolved=resolved,
            decision=Decision.NEEDS_CLARIFICATION, reason=reason, checks=[],
            evidence=[], confidence=None, message=question, grant=False, conversation_id=conversation_id,
            idempotency_key=key, catalog_version=catalog_version,
        )
        self._ports.store.record(record)
        outcome = Outcome(
            request_id=record.request_id, decision=Decision.NEEDS_CLARIFICATION, reason=reason,
            user_id=resolved.target.user_id if resolved.target else None,
            app_id=resolved.application.app_id if resolved.application else None,
            role_id=resolved.role.role_id if resolved.role else None, confidence=None, checks=[], evidence=[],
            message=question, requester_id=requester.user_id, clarification=resolved.clarification,
        )
        return Turn(outcome=outcome, state=kept if ended else remember(state, resolved, text))

    def _request_asked_about(self, question: SelfQuestion, requester: Person, text: str) -> Outcome | None:
        """The one request a status question names by id, when it is about the requester (they filed it, or it is
        for them): what "why?" next refers to."""
        request_id = request_id_in(text) if question.asked is Asked.ONE_REQUEST else None
        request = self._ports.store.get(request_id) if request_id else None
        if request is None or requester.user_id not in (request.requester_id, request.user_id):
            return None
        return request

    def _may_see(self, requester: Person, request: Outcome) -> bool:
        """Whether the requester may be shown this request (pointed at it instead of a new decision, or told its
        reasons): it is about them, or they may ask for its target (checked now). Anyone else asking for the same
        gets a decision of their own, which the checks deny and the audit log records."""
        if requester.user_id in (request.requester_id, request.user_id):
            return True
        if request.user_id is None or request.role_id is None:
            return False
        return _authorized(self._ports.rules.run_checks(requester.user_id, request.user_id, request.role_id))

    def _traced(self, name: str, call: Callable[..., T], *args: object) -> tuple[T, float]:
        with self._ports.telemetry.span(name):
            return self._timed(call, *args)

    def _timed(self, call: Callable[..., T], *args: object) -> tuple[T, float]:
        started = time.perf_counter()
        value = call(*args)
        return value, (time.perf_counter() - started) * 1000

    def _evaluate(self, requester: Person, resolved: ResolvedRequest, full_text: str, channel: str,
                  conversation_id: str | None, key: str | None, catalog_version: int, *,
                  decided_before: bool = False) -> Turn:
        target, app, role = resolved.target, resolved.application, resolved.role
        assert target is not None and app is not None and role is not None
        timings = Timings()
        pending = self._ports.store.pending_request(target.user_id, role.role_id)
        if pending is not None and self._may_see(requester, pending):
            pending.message = pending_again_message(pending.request_id, role, app.name, pending.access_until,
                                                    resolved.until, requester.time_zone)
            pending.repeated = True
            self._ports.store.record_repeat(pending, requester.user_id, channel, full_text, resolved.until)
            return Turn(outcome=pending, state=decided(resolved, pending.request_id), timings=timings)

        # Three independent lookups: the hard checks (SQL), the confidence (history index and statistics) and the
        # policy passages (an embedding, then the policy index). Run together, they take as long as the slowest.
        parallel_started = time.perf_counter()
        timings.parallel = self._parallel and not (self._cpu_busy is not None and self._cpu_busy())
        run: Callable[..., Future[Any]] = self._executor.submit if timings.parallel else _run_now
        retrieving = self._breaker.allow()
        if retrieving:
            confidence_future = run(self._traced, "retrieval", self._ports.confidence.estimate, target, role)
            policies_future = run(self._traced, "policies", self._ports.policies.for_request, app, role)
        # The checks run in this thread while the pool retrieves: one thread hand-off fewer per request.
        checks, timings.rules_ms = self._traced("rules", self._ports.rules.run_checks, requester.user_id,
                                                target.user_id, role.role_id, resolved.until)
        confidence: Confidence | None = None
        passages: list[PolicyPassage] = []
        deadline = parallel_started + self._retrieval_timeout_s
        try:
            if retrieving:
                found, confidence_ms = confidence_future.result(timeout=max(0.0, deadline - time.perf_counter()))
                cited, policies_ms = policies_future.result(timeout=max(0.0, deadline - time.perf_counter()))
                timings.retrieval_ms = max(confidence_ms, policies_ms) if timings.parallel \
                    else confidence_ms + policies_ms
                if not timings.parallel and timings.retrieval_ms > self._retrieval_timeout_s * 1000:
                    # Run in this thread (every processor busy), it could not be cut short; it is not used either:
                    # past the timeout the decision is the hard checks' alone, however the lookups ran.
                    raise FutureTimeout
                confidence, passages = found, cited
                self._breaker.record_success()
            else:
                log.warning("retrieval is paused after repeated failures; deciding on the hard checks alone")
        except FutureTimeout:
            log.warning("retrieval timed out after %.1fs; deciding on the hard checks alone",
                        self._retrieval_timeout_s)
            self._breaker.record_failure()
            self._ports.telemetry.error("retrieval")
        except Exception:  # the index failing must not stop a decision, only auto-approval
            log.exception("retrieval failed; deciding on the hard checks alone")
            self._breaker.record_failure()
            self._ports.telemetry.error("retrieval")
        decision_started = time.perf_counter()
        timings.parallel_ms = (decision_started - parallel_started) * 1000

        authorized = _authorized(checks)
        if not authorized:
            # Whoever may not ask for this person learns nothing about them from the answer: not their grants,
            # status or department (the other checks), nor what their peers hold (the confidence's evidence).
            confidence = None
        # A confidence its estimator does not stand behind (a model older than the catalog) never approves.
        probability = confidence.probability if confidence is not None and confidence.available else None
        judged: JudgeFinding | None = None
        if self._ports.judge is not None and probability is not None and probability >= self._threshold \
                and not role.privileged and first_failure(checks) is None:
            # Consulted only when it could matter: the judge can stop an auto-approval, never cause one.
            with self._ports.telemetry.span("judge"):
                judged = self._ports.judge.review(full_text, app, role, target, passages)
            probability = confidence_after_judge(probability, judged.verdict)
        thin = thin_evidence(_support(confidence), self._min_role_history)
        verdict = decide(checks, role, probability, self._threshold, thin)
        failed = first_failure(checks)
        if not authorized:
            checks = [check for check in checks if check.name is CheckName.AUTHORIZED_FOR_TARGET]
        reason_passages: list[PolicyPassage] = []
        try:
            reason_passages = self._ports.policies.for_reason(verdict.reason, app, role, failed)
        except Exception:  # a citation is helpful, never required
            log.exception("policy lookup for the reason failed")
        # A refusal for the person cites the rule about whom one may ask for, not the role's own passages.
        evidence = _evidence(reason_passages + (passages if authorized else []), judged, confidence,
                             history_wanted=authorized)
        request_id = self._ports.store.new_request_id()
        # Every reason a denial has, unless the person may not be asked for (nothing about them is told then) or
        # is inactive (no other reason matters).
        also_failed = [check for check in checks if not check.passed] \
            if authorized and verdict.reason is not Reason.USER_INACTIVE else []
        message = decision_message(verdict.decision, verdict.reason, target, resolved.target_is_requester, role,
                                   app.name, request_id, failed, probability, evidence, thin, resolved.until,
                                   requester.time_zone, also_failed) + extension_note(
            verdict.decision, checks, target, resolved.target_is_requester, resolved.until, requester.time_zone)
        record = DecisionRecord(
            request_id=request_id, requester_id=requester.user_id, channel=channel, text=full_text, resolved=resolved,
            decision=verdict.decision, reason=verdict.reason, checks=checks, evidence=evidence,
            confidence=probability, message=message, grant=verdict.decision is Decision.APPROVED,
            conversation_id=conversation_id, idempotency_key=key,
            extra={"policy_judge": {"verdict": judged.verdict, "cited": list(judged.cited_passage_ids),
                                    "source": judged.source}} if judged is not None else None,
            catalog_version=catalog_version, access_until=resolved.until,
        )
        try:
            _, timings.write_ms = self._timed(self._ports.store.record, record)
        except GrantRecheckFailedError as exc:
            if decided_before:
                raise
            # Something changed for this person while the request was decided: decide again, on the change.
            log.info("request decided again: %s", exc)
            return self._evaluate(requester, resolved, full_text, channel, conversation_id, key, catalog_version,
                                  decided_before=True)
        if verdict.decision is Decision.PENDING_APPROVAL and _may_lack_an_approver(requester, target, role) and \
                self._ports.store.note_if_undecidable(request_id, NO_APPROVER_NOTE):
            message += NO_APPROVER_NOTE
        timings.decision_ms = (time.perf_counter() - decision_started) * 1000
        outcome = Outcome(
            request_id=request_id, decision=verdict.decision, reason=verdict.reason, user_id=target.user_id,
            app_id=app.app_id, role_id=role.role_id, confidence=probability, checks=checks, evidence=evidence,
            message=message, requester_id=requester.user_id, access_until=resolved.until,
        )
        return Turn(outcome=outcome, state=decided(resolved, request_id), timings=timings)


def _evidence(passages: list[PolicyPassage], judged: JudgeFinding | None, confidence: Confidence | None, *,
              history_wanted: bool) -> list[Evidence]:
    """What a decision cites: policy passages, the policy judge's finding, the history's evidence; when the
    history's evidence is wanted but missing (retrieval failed or timed out), a notice that an approver decides."""
    evidence: list[Evidence] = passage_evidence(passages)
    if judged is not None:
        evidence.append(Evidence(evidence_id=f"judge:{judged.verdict}", kind="policy_judge",
                                 summary=f"policy judge: {judged.verdict}. {judged.rationale}".strip(),
                                 source=",".join(judged.cited_passage_ids) or None))
    if confidence is not None:
        evidence.extend(confidence.evidence)
        if confidence.note:
            evidence.append(Evidence(evidence_id="confidence:note", kind="notice", summary=confidence.note))
    elif history_wanted:
        evidence.append(Evidence(evidence_id="retrieval:unavailable", kind="notice",
                                 summary="similar decisions could not be retrieved; an approver will decide"))
    return evidence


def _authorized(checks: Sequence[CheckResult]) -> bool:
    """Whether the requester may ask for this target (for themselves, a report, or as a delegate)."""
    return all(check.passed for check in checks if check.name is CheckName.AUTHORIZED_FOR_TARGET)


def _require_same_request(recorded: Outcome, text: str) -> None:
    """A retry repeats the turn it retries: its text is the recorded request's (a conversation's last turn)."""
    turn = clean(text)
    if recorded.text != turn and not recorded.text.endswith(f" / {turn}"):
        raise IdempotencyKeyReusedError(f"this idempotency key was used for another request ({recorded.request_id}); "
                                        "use a new key for a new request")


def _with_time_limit(resolved: ResolvedRequest, text: str, requester: Person) -> ResolvedRequest:
    """The request with the end of the access its text asks for (on the requester's clock); an end that cannot be
    used is asked about."""
    limit = find_time_limit(text, now_in(requester.time_zone))
    if limit is None:
        return resolved
    if limit.until is None:
        return resolved.model_copy(update={"clarification": until_question(limit)})
    return resolved.model_copy(update={"until": limit.until})


def _may_lack_an_approver(requester: Person, target: Person, role: Role) -> bool:
    """Whether a pending request might have nobody to decide it, so that the approvers are counted: a privileged
    role (the owner alone decides), or a target without a manager who could (none, or the requester). Otherwise the
    target's manager decides (or, should they have left, the owner), and no query is spent on it."""
    manager = target.manager_id
    return role.privileged or not manager or manager in (requester.user_id, target.user_id)


def _asks(text: str, resolved: ResolvedRequest, vocabulary: CatalogVocabulary, requester: Person) -> bool:
    """Whether a fresh message asks for the access it names (`asking.asks_for_access`), the words read as the
    person, the application and the role (as typed: "ledgrly") and the end it gives being part of such a request."""
    limit = find_time_limit(text, now_in(requester.time_zone))
    known = [match.matched_text for match in resolved.matches]
    return asks_for_access(text, vocabulary.words, [*known, limit.said if limit is not None else ""])


def _names_nothing(text: str, resolved: ResolvedRequest, vocabulary: CatalogVocabulary) -> bool:
    """Whether a fresh message was read as nothing at all: no person named or asked about, no application or role
    found, and no word that could be one (`small_talk.names_nothing`)."""
    if resolved.application is not None or resolved.role is not None:
        return False
    if any(match.kind == "user" and match.matched_text for match in resolved.matches):
        return False
    if resolved.clarification is not None and resolved.clarification.slot != "application":
        return False
    return names_nothing(text, vocabulary.words_of(text), vocabulary.words)


def _about_someone_else(last: LastRequest, requester: Person) -> bool:
    """Whether the request decided last named a person other than the requester, whom "he" may then mean."""
    return last.target_explicit and last.target_id != requester.user_id


def _withdrawal_meant(withdrawal: WithdrawalAsked, waiting: bool, last: LastRequest | None) -> bool:
    """Whether a message about withdrawing is answered as one. While a question waits, "cancel my request" and
    "cancel that" call off the request in progress instead (`_ending`), unless a request id is named; "cancel
    that" withdraws only right after a request was decided, which it then means."""
    if withdrawal.request_id is not None:
        return True
    if waiting:
        return False
    return not withdrawal.that_one or last is not None


def _others(target: Person | None, requester: Person) -> str | None:
    """The name of the person the access is for, when that is someone other than the requester."""
    return target.display_name if target is not None and target.user_id != requester.user_id else None


def _reply_target(named: TargetFinding, target: Person | None, requester: Person,
                  asked: Clarification | None) -> Person | None:
    """Whose access it is after a reply. The requester stands in for an unnamed person only when nobody was asked
    about: to "who should get it?" a reply that names no one ("cancel", "Marc", "what?") is not "me"."""
    if named.person is None:
        return target
    said_self = any(match.matched_text for match in named.matches)
    asked_who = asked is not None and asked.slot == "user"
    if named.person.user_id != requester.user_id or said_self or (target is None and not asked_who):
        return named.person
    return target


def _support(confidence: Confidence | None) -> Support | None:
    """The history's support for this request, from the counts the confidence estimate reports."""
    if confidence is None or "role_requests" not in confidence.features:
        return None
    features = confidence.features
    return Support(role_decisions=int(features["role_requests"]), similar=int(features.get("similar", 0)),
                   similar_approved=int(features.get("similar_approved", 0)),
                   like_requester=int(features.get("like_requester", 0)))
