"""Messages that ask for nothing: calling off the request being worked out ("never mind", "cancel that"),
closing words after an answer ("ok thanks") and a greeting alone ("hi"). Only a whole message counts: "cancel"
inside a sentence is read by the rest of the understanding (a removal, or a request).

The examples the answers give are requests the shipped demo org understands as written (its catalog has Viewer
and Explorer in Looker, Reader in Confluence); tests ask each of them there.
"""

from __future__ import annotations

import re

from bot.understanding.text import fold

_POLITE = r"(?:(?:ok(?:ay)?|oh|ah|hmm+|um+|well|actually|no|nah|please|pls|sorry|thanks?|thank you|then)[\s,.!]*)*"
_CANCEL = re.compile(
    rf"^{_POLITE}(?:(?:"
    r"cancel(?:l?ed)?(?: (?:it|this|that|the request|my request|this request|that request|everything|all))?"
    r"|never ?mind(?: (?:it|this|that))?|nvm|forget (?:it|this|that|about it|about that|the whole thing)"
    r"|scratch that|abort|stop(?: (?:it|this|that))?|quit|exit|start over|(?:i )?(?:changed|change) my mind"
    r"|(?:i )?(?:don't|do not|dont) need (?:it|this|that)(?: anymore| any more)?"
    r"|not needed(?: anymore| any more)?|no longer needed"
    rf")[\s,.!]*{_POLITE})+$")
_THANKS = re.compile(
    r"^(?:(?:ok(?:ay)?|great|cool|perfect|super|nice|awesome|good|fine|got it|understood|alright|all right|"
    r"that'?s (?:all|it|great|fine)|no (?:thanks|thank you)|thanks?(?: (?:you|a lot|so much|very much))?|"
    r"thank you(?: (?:very much|so much))?|cheers|ta|bye|goodbye|done)[\s,.!]*)+$")

ENDED_SLOT = "ended"
_GREETING = re.compile(r"^(?:(?:hi|hello|hey|hiya|howdy|greetings|good (?:morning|afternoon|evening|day)|yo)"
                       r"(?: there| all| askiam| team)?[\s,.!]*)+$")
_HELP = re.compile(r"^(?:(?:hi|hello|hey|please|ok(?:ay)?|so|um+)[\s,.!]+)*(?:help(?: me| please| pls)?|"
                   r"what (?:can|do) you do|what are you(?: for)?|what is this|who are you|"
                   r"how (?:does|do) (?:this|it|you) work|how (?:do|can) i use (?:this|you|it)|"
                   r"how do i (?:ask|request)(?: for)?(?: access)?|what can i (?:ask|say|do)(?: here)?|commands|menu|"
                   r"usage|\?+)[\s?.!]*$")
_YES_OR_NO = re.compile(r"^(?:yes|y|yeah|yep|yup|sure|ok(?:ay)?|no|n|nope|nah|correct|right)(?: please| thanks?)?"
                        r"[\s.!]*$")
# Requests the answers give as examples; each is understood as written on the demo org (see the module's text).
EXAMPLE_REQUEST = "I need the Viewer role in Looker"
EXAMPLE_WITH_END = "I need Explorer in Looker for two weeks"
HELP_ANSWER = (f"I handle requests for access. Say what you need, for example \"{EXAMPLE_REQUEST}\" or "
               f"\"{EXAMPLE_WITH_END}\"; for someone who reports to you, start with their name or email instead of "
               "\"I\". I check the rules, look at similar past decisions and answer: approved, sent to an approver, "
               "denied (with the reason), or a question. \"why?\" after an answer gives its reasons; \"same for\" and "
               "a name asks for the same access for someone else. You can also ask \"what access do I have?\", "
               "\"what roles does Looker have?\" or \"status of my requests\".")
_SHOWN_CHARS = 40
NO_QUESTION_OPEN = ("There is no question open to answer yes or no to. To ask for access, say what you need, for "
                    f"example \"{EXAMPLE_REQUEST}\".")
GREETING_ANSWER = f"Hello! Tell me what access you need and for whom, for example \"{EXAMPLE_REQUEST}\"."
CANCELLED_ANSWER = "Cancelled: nothing was requested and nothing was changed. Tell me whenever you need access."
NOTHING_TO_CANCEL = ("There is no request in progress to cancel. To ask for access, say what you need, for example "
                     f"\"{EXAMPLE_REQUEST}\".")
THANKS_ANSWER = "You're welcome. Tell me whenever you need other access."


def _folded(text: str) -> str:
    return re.sub(r"\s+", " ", fold(text).replace("\u2019", "'")).strip()


def calls_off(text: str) -> bool:
    """Whether the whole message calls off what is being asked ("never mind", "cancel that", "forget it")."""
    return bool(_CANCEL.match(_folded(text)))


def only_thanks(text: str) -> bool:
    """Whether the whole message is closing words ("ok thanks", "great, cheers") and asks for nothing."""
    folded = _folded(text)
    return bool(folded) and bool(_THANKS.match(folded))


def only_greeting(text: str) -> bool:
    """Whether the whole message is a greeting ("hi", "good morning"), which asks for nothing yet."""
    return bool(_GREETING.match(_folded(text)))


def asks_for_help(text: str) -> bool:
    """Whether the whole message asks what AskIAM does or how to use it ("help", "what can you do?")."""
    return bool(_HELP.match(_folded(text)))


def without_words(text: str) -> bool:
    """Whether the message has no letter in any script ("1", "#2", "😀", "???"): with no question open it
    asks for nothing."""
    return not any(ch.isalpha() for ch in text)


def no_words_answer(text: str) -> str:
    shown = " ".join(text.split())[:_SHOWN_CHARS]
    return (f"There is no question open for \"{shown}\" to answer. To ask for access, say what you need, for "
            f"example \"{EXAMPLE_REQUEST}\".")


def only_yes_or_no(text: str) -> bool:
    """Whether the whole message is a bare yes or no ("yes", "nope"), which answers nothing when nothing was asked."""
    return bool(_YES_OR_NO.match(_folded(text)))
