"""Whether a sentence asks to take access away rather than to be given it.

AskIAM decides requests for access. A sentence such as "I no longer need Reader in Confluence, please remove it"
names an application and a role just like a request for them, so it must be recognised before anything is resolved:
read as a request, it could be granted.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from bot.understanding.text import fold

# Verbs that, in a message to an access desk, only ever mean taking access away.
_REMOVAL_VERBS = ("remove", "removing", "revoke", "revoking", "deprovision", "deprovisioning", "de-provision",
                  "unassign", "withdraw", "offboard", "unsubscribe")
_REMOVAL_VERB = re.compile(r"\b(?P<verb>" + "|".join(_REMOVAL_VERBS) + r")\b")
_TAKE_AWAY = re.compile(r"\btak(?:e|ing)\s+(?:\w+\s+){0,6}?away\b|\btak(?:e|ing)\s+(?:me|him|her|them|us)\s+off\b"
                        r"|\bget rid of\b")
# Verbs that mean removal only when access is what they act on ("drop my editor role"), unlike "DROP TABLE".
_WEAK_VERB = re.compile(r"\b(?:drop|disable|delete|cancel|end|terminate|strip|close)\s+(?:\w+\s+){0,5}?"
                        r"(?:access|role|roles|permission|permissions|rights|membership|entitlement|license|licence)\b")
_NO_NEED = re.compile(r"\b(?:no longer|don'?t|do not|doesn'?t|does not|won'?t|will not|never|not)\s+"
                      r"(?:\w+\s+)?(?:need|needs|want|wants|require|requires)\b|\bnot needed\b"
                      r"|\bno (?:longer )?need(?:ed)? (?:for|of)\b")

# The clarification slot of the answer to a removal: nothing to fill in, the conversation ends with it.
REMOVAL_SLOT = "removal"
REMOVAL_ANSWER = ("I can only handle requests for new access, so nothing was changed. To have access removed, ask "
                  "the application's owner or your IAM team. To request access, say what you need, for example "
                  "\"I need the Viewer role in Confluence\".")


def asks_for_removal(text: str, catalog_words: Collection[str]) -> bool:
    """Whether the text asks to remove, revoke or give up access. A verb that is part of a catalog name ("the
    Record Remover role") does not count."""
    folded = fold(text).replace("\u2019", "'")
    if any(match.group("verb") not in catalog_words for match in _REMOVAL_VERB.finditer(folded)):
        return True
    return bool(_TAKE_AWAY.search(folded) or _WEAK_VERB.search(folded) or _NO_NEED.search(folded))
