"""Messages that ask for nothing: calling off the request being worked out ("never mind", "cancel that"),
closing words after an answer ("ok thanks"), a greeting alone ("hi"), asking for help, and text with nothing a
request could be made of ("test", markup). Only a whole message counts: "cancel" inside a sentence is read by the
rest of the understanding (a removal, or a request).

The examples the answers give come from the org's own catalog (`bot.understanding.examples`), each one a request
that is understood as written there.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.understanding.examples import Examples
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
                   # "can you help me?", "I need help", "could someone help me please", "please help"
                   r"(?:can|could|would|will) (?:you|someone|somebody|anyone|anybody) (?:please )?help(?: me| us)?"
                   r"(?: (?:please|pls|out|a bit|with something))?|"
                   r"(?:i|we) (?:need|want|would like|could use) (?:some |a little |your )?(?:help|assistance)"
                   r"(?: please| pls)?|"
                   r"(?:please|pls) help(?: me)?|i'?m (?:lost|stuck|confused)|"
                   r"what (?:can|do) you do|what are you(?: for)?|what is this|who are you|"
                   r"how (?:does|do) (?:this|it|you) work|how (?:do|can) i use (?:this|you|it)|"
                   r"how do i (?:ask|request)(?: for)?(?: access)?|what can i (?:ask|say|do)(?: here)?|commands|menu|"
                   r"usage|\?+)[\s?.!]*$")
_YES_OR_NO = re.compile(r"^(?:yes|y|yeah|yep|yup|sure|ok(?:ay)?|no|n|nope|nah|correct|right)(?: please| thanks?)?"
                        r"[\s.!]*$")
def help_answer(examples: Examples) -> str:
    return (f"I handle requests for access. Say what you need, for example \"{examples.request}\" or "
            f"\"{examples.with_end}\"; for someone who reports to you, start with their name or email instead of "
            "\"I\". I check the rules, look at similar past decisions and answer: approved, sent to an approver, "
            "denied (with the reason), or a question. \"why?\" after an answer gives its reasons; \"same for\" and "
            "a name asks for the same access for someone else. You can also ask \"what access do I have?\", "
            f"\"what roles does {examples.application} have?\" or \"status of my requests\".")


_SHOWN_CHARS = 40


def no_question_open(examples: Examples) -> str:
    return ("There is no question open to answer yes or no to. To ask for access, say what you need, for "
            f"example \"{examples.request}\".")


def greeting_answer(examples: Examples) -> str:
    return f"Hello! Tell me what access you need and for whom, for example \"{examples.request}\"."


def nothing_to_cancel(examples: Examples) -> str:
    return ("There is no request in progress to cancel. To ask for access, say what you need, for example "
            f"\"{examples.request}\".")


CANCELLED_ANSWER = "Cancelled: nothing was requested and nothing was changed. Tell me whenever you need access."
THANKS_ANSWER = "You're welcome. Tell me whenever you need other access."
THANKS_WHILE_ASKING = ("You're welcome. I have left the request I asked about: nothing was requested. Tell me "
                       "whenever you need access.")
# Closing words that answer no question: "ok" or "fine" alone may be a yes, "thanks" and "bye" never are.
_CLOSING = re.compile(r"\b(?:thanks?|thank you|cheers|ta|bye|goodbye|that'?s (?:all|it)|no thanks)\b")


def _folded(text: str) -> str:
    return re.sub(r"\s+", " ", fold(text).replace("\u2019", "'")).strip()


def calls_off(text: str) -> bool:
    """Whether the whole message calls off what is being asked ("never mind", "cancel that", "forget it")."""
    return bool(_CANCEL.match(_folded(text)))


def only_thanks(text: str) -> bool:
    """Whether the whole message is closing words ("ok thanks", "great, cheers") and asks for nothing."""
    folded = _folded(text)
    return bool(folded) and bool(_THANKS.match(folded))


def closes(text: str) -> bool:
    """Whether the whole message is closing words that cannot answer a question ("ok thanks", "bye"): said while
    a question waits, it ends the conversation rather than being read as the answer."""
    folded = _folded(text)
    return only_thanks(text) and bool(_CLOSING.search(folded))


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


def no_words_answer(text: str, examples: Examples) -> str:
    shown = " ".join(text.split())[:_SHOWN_CHARS]
    return (f"There is no question open for \"{shown}\" to answer. To ask for access, say what you need, for "
            f"example \"{examples.request}\".")


def only_yes_or_no(text: str) -> bool:
    """Whether the whole message is a bare yes or no ("yes", "nope"), which answers nothing when nothing was asked."""
    return bool(_YES_OR_NO.match(_folded(text)))


# Words that show a message is about access even when it names nothing in the catalog ("I need admin access").
_ABOUT_ACCESS = frozenset("""
    access accesses role roles permission permissions right rights admin administrator need needs needed want wants
    request requests requested requesting give grant granted add added get license licence seat account accounts
    login log sign read write edit view upgrade join approve approved approval denied pending group member team
    app application applications tool system
""".split())
# Markup or code: "<img src=x onerror=alert(1)>", "<script>", "${jndi:...}".
_MARKUP = re.compile(r"<\s*/?\s*[a-z][^>]*>|\$\{|javascript:|\bon[a-z]+\s*=", re.IGNORECASE)
_ASCII_WORD = re.compile(r"[a-z0-9']+")


def names_nothing(text: str, words: Sequence[str], catalog_words: Collection[str]) -> bool:
    """Whether the message has nothing a request could be made of, so that asking which application it means
    would be a guess ("test", "asdf", markup): no word of the catalog's names or one letter away from one, no word
    about access, and no name of a person (`words`: its folded words, without the names of the people it names).
    Markup or code counts as nothing whatever else it holds. Only text in the Latin alphabet is judged: words in
    other scripts may say anything."""
    if _MARKUP.search(text):
        return True
    if not words or not all(_ASCII_WORD.fullmatch(word) for word in words):
        return False
    return not any(word in catalog_words or word in _ABOUT_ACCESS or _near(word, catalog_words) for word in words)


def _near(word: str, catalog_words: Collection[str]) -> bool:
    """A misspelt catalog word ("otka", "lokker"): one edit away, for words long enough to tell."""
    return len(word) >= 4 and process.extractOne(word, catalog_words, scorer=OSA.distance, score_cutoff=1) is not None


# The message is not repeated back: it may be markup that a channel would show as such.
NOT_UNDERSTOOD_LEAD = "Sorry, I did not understand that."


def not_understood(examples: Examples) -> str:
    return (f"{NOT_UNDERSTOOD_LEAD} I handle requests for access: say what you need, for example "
            f"\"{examples.request}\", or ask \"help\".")
