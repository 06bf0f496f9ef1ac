"""Answers to calling off one's own request while it waits for approval ("cancel R-1482", "withdraw my Box
request", "cancel that").

A request is withdrawn only for the person who asked for it or the one it is for; anyone else is told it cannot be
found, exactly as for an id that does not exist. A message naming no request withdraws the person's only pending
one (in the application named, if any); with several, it lists them and asks which.
"""

from __future__ import annotations

from bot.domain import Decision, Person, Reason
from bot.messages import status_text
from bot.own_access import NOTHING_REQUESTED, REQUESTS_READ, OwnAccessAnswers, listing
from bot.ports import AccessLedger, DecisionStore, Directory, RequestWithdrawals
from bot.understanding.catalog_matcher import winners
from bot.understanding.resolver import CatalogVocabulary
from bot.understanding.withdrawal import WithdrawalAsked

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
        """Withdraw the request meant, and say so; or say why nothing was withdrawn."""
        request_id = asked.request_id or (last_request_id if asked.that_one else None)
        if asked.that_one and request_id is None:
            return f"There is no request in this conversation to withdraw. {_NAME_IT}"
        if request_id is None:
            request_id, reply = self._only_pending(requester, vocabulary, text)
            if request_id is None:
                return reply
        result = self._withdrawals.withdraw(request_id, requester.user_id, channel)
        outcome = self._store.get(result.request_id) if result.status or result.withdrawn else None
        if outcome is None:
            return f"I could not find request {result.request_id} among your requests. {_NAME_IT}"
        what = self._own.described(outcome, requester, vocabulary)
        if result.withdrawn:
            return (f"Withdrawn: request {result.request_id}{what} is closed and will not be decided; its approvers "
                    "no longer see it.")
        held = _HELD_ACCESS if result.status == Decision.APPROVED.value else ""
        state = "withdrawn" if outcome.reason is Reason.WITHDRAWN else status_text(Decision(result.status))
        return f"Request {result.request_id}{what} is already {state}, so it cannot be withdrawn.{held}"

    def _only_pending(self, requester: Person, vocabulary: CatalogVocabulary,
                      text: str) -> tuple[str | None, str]:
        """The id of the person's one pending request (in the application named, if any); or, when there is none
        or more than one, no id and what to say."""
        apps = winners(vocabulary.apps.find(vocabulary.words_of(text)))
        app_id = apps[0].entity_id if len(apps) == 1 else None
        where = f" in {vocabulary.catalog.applications[app_id].name}" if app_id else ""
        waiting = [item for item in self._ledger.requests_about(requester.user_id, REQUESTS_READ)
                   if item.decision == Decision.PENDING_APPROVAL.value and (app_id is None or item.app_id == app_id)]
        if not waiting:
            return None, f"None of your requests{where} is waiting for approval, so there is nothing to withdraw. " \
                         f"{NOTHING_REQUESTED}"
        if len(waiting) > 1:
            lines = [self._own.summary(item, requester, vocabulary) for item in waiting]
            return None, (f"{len(waiting)} of your requests{where} are waiting for approval: {listing(lines)}. "
                          f"Which one should be withdrawn? Say for example \"withdraw {waiting[0].request_id}\". "
                          f"{NOTHING_REQUESTED}")
        return waiting[0].request_id, ""


_NAME_IT = "Say \"my pending requests\" to see those you can withdraw."
