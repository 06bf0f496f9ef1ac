"""Answers to calling off one's own request while it waits for approval ("cancel R-1482", "cancel that").

A withdrawal cannot be undone, so a request is withdrawn only when it is named: by id, or as "that" right after
it was sent for approval. "Withdraw my request" lists the person's pending requests (those in the application or
of the role named, if any) with their ids, to choose from. Only the person who asked or the one it is for may
withdraw a request; to anyone else it reads as not found, exactly as an id that does not exist.
"""

from __future__ import annotations

from bot.domain import Decision, Person
from bot.messages import status_text
from bot.own_access import NOTHING_REQUESTED, REQUESTS_READ, OwnAccessAnswers, listing
from bot.ports import AccessLedger, DecisionStore, Directory, RequestWithdrawals, WithdrawalResult
from bot.understanding.catalog_matcher import winners
from bot.understanding.resolver import CatalogVocabulary
from bot.understanding.withdrawal import WithdrawalAsked

_HOW = ("To withdraw a request waiting for approval, say \"withdraw\" and its id and nothing else, for example "
        "\"withdraw R-1234\".")
_HELD_ACCESS = (" Access already granted is not withdrawn here: to give it up, ask your IAM team or the "
                "application's owner.")


class RequestWithdrawalAnswers:
    def __init__(self, ledger: AccessLedger, withdrawals: RequestWithdrawals, store: DecisionStore,
                 directory: Directory) -> None:
        self._ledger = ledger
        self._withdrawals = withdrawals
        self._store = store
        self._own = OwnAccessAnswers(ledger, store, directory)

    def answer(self, asked: WithdrawalAsked, requester: Person, vocabulary: CatalogVocabulary, text: str,
               channel: str, last_request_id: str | None) -> str:
        """Withdraw the request named, and say so; or say why nothing was withdrawn."""
        if asked.mixed:
            return ("Your message asks for access and to withdraw a request; I do one at a time, so nothing was "
                    f"done. Please send them separately. {NOTHING_REQUESTED}")
        if asked.several:
            return f"Your message names several requests; I withdraw one at a time, so nothing was withdrawn. {_HOW}"
        if asked.how:  # "Can I cancel my request?", "How do I withdraw R-12?": how, with those that can be
            return self._pending(requester, vocabulary, text, opening="Yes, while it waits for approval. ")
        if asked.question:  # "Cancel R-1482 next week", "... or is it too late?": never withdrawn on a guess
            return f"Nothing was withdrawn: a withdrawal cannot be undone, so send the order on its own. " \
                   f"{self._pending(requester, vocabulary, text)}"
        request_id = asked.request_id or (last_request_id if asked.that_one else None)
        if request_id is None:
            return self._pending(requester, vocabulary, text)
        result = self._withdrawals.withdraw(request_id, requester.user_id, channel)
        outcome = self._store.get(result.request_id) if result.result is not WithdrawalResult.NOT_FOUND else None
        if outcome is None:
            return f"I could not find request {result.request_id} among your requests. {_HOW}"
        what = self._own.described(outcome, requester, vocabulary)
        if result.result is WithdrawalResult.WITHDRAWN:
            return (f"Withdrawn: request {result.request_id}{what} is closed and will not be decided; its approvers "
                    "no longer see it.")
        if result.result is WithdrawalResult.ALREADY_WITHDRAWN:
            return f"Request {result.request_id}{what} is already withdrawn."
        if result.status is Decision.NEEDS_CLARIFICATION or result.status is None:
            return f"{result.request_id} was never sent for approval (it asked for nothing complete), so there is " \
                   "nothing to withdraw."
        held = _HELD_ACCESS if result.status is Decision.APPROVED else ""
        state = status_text(result.status, outcome.reason)
        return f"Request {result.request_id}{what} is already {state}, so it cannot be withdrawn.{held}"

    def _pending(self, requester: Person, vocabulary: CatalogVocabulary, text: str, *, opening: str = "") -> str:
        """The person's requests waiting for approval (in the application, or of the role, the text names), with
        how to withdraw one, after `opening` when there are any."""
        words = vocabulary.words_of(text)
        apps = {hit.entity_id for hit in winners(vocabulary.apps.find(words))}
        roles = {hit.entity_id for hit in vocabulary.roles.exact(words)}
        waiting = [item for item in self._ledger.requests_about(requester.user_id, REQUESTS_READ)
                   if item.decision == Decision.PENDING_APPROVAL.value
                   and (not apps or item.app_id in apps) and (not roles or item.role_id in roles)]
        if not waiting:
            named = " of the kind you name" if apps or roles else ""
            return f"None of your requests{named} is waiting for approval, so there is nothing to withdraw. " \
                   f"{NOTHING_REQUESTED}"
        lines = [self._own.summary(item, requester, vocabulary) for item in waiting]
        lead = "Your request waiting for approval" if len(waiting) == 1 else \
            f"Your {len(waiting)} requests waiting for approval"
        return f"{opening}{lead}: {listing(lines)}. {_HOW} {NOTHING_REQUESTED}"
