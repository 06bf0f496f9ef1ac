"""How long access is asked for: "for two weeks", "just for today", "until Friday", "until 2026-12-31".

A request that says how long is granted until then (the grant expires); one that says nothing is granted without
an end. Times are on the requester's clock (`now`'s zone: their users.csv `time_zone`, else UTC): a day named
("until Friday", "today") lasts to its end, 23:59:59 there, and "until 5pm" is 5pm there. A duration counts
from the moment the request is understood. "By Friday" is when the access is wanted, not when it ends, and is not
read here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from bot.domain import Clarification
from bot.time_zones import LAST_SECOND, zone_label, zone_named
from bot.understanding.text import fold

_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15,
                 "twenty": 20, "thirty": 30, "ninety": 90, "a couple of": 2, "couple of": 2, "a couple": 2}
_UNITS = {"second": timedelta(seconds=1), "sec": timedelta(seconds=1), "minute": timedelta(minutes=1),
          "min": timedelta(minutes=1), "hour": timedelta(hours=1),
          "hr": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1), "wk": timedelta(weeks=1),
          "fortnight": timedelta(weeks=2), "month": timedelta(days=30), "quarter": timedelta(days=91),
          "year": timedelta(days=365)}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_OF = {day[:3]: day for day in _WEEKDAYS}
_MONTHS = {name: number for number, names in enumerate(
    (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
     ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
     ("november", "nov"), ("december", "dec")), start=1) for name in names}
# The longest access a request may ask for: past it, the end is taken as a mistake and asked about.
MAX_ACCESS = timedelta(days=366)
# The shortest: an access ending sooner ("for 30 seconds") could not be used, so it is asked about too.
MIN_ACCESS = timedelta(minutes=1)

_NUMBER_WORD = "|".join(sorted((re.escape(word) for word in _NUMBER_WORDS), key=len, reverse=True))
# "3", "2.5", "1,5", "two", "two and a half", "half a", "half an".
_AMOUNT = (rf"(?:(?:an?\s+)?(?P<amount>\d{{1,3}}(?:[.,]\d{{1,2}})?|{_NUMBER_WORD})(?P<half>\s+and\s+a\s+half)?"
           r"|(?P<only_half>half\s+an?))")
_UNIT_NAMES = (r"seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|wks?|fortnights?|months?|quarters?|"
               r"years?")
_UNIT = rf"(?P<unit>{_UNIT_NAMES})"
# "for", and words that leave the length as it is ("for about 2 weeks", "for up to 3 days", "for a total of 10").
_LEAD = (r"\b(?:for|during|over)\s+(?:the\s+)?(?:next\s+|another\s+|only\s+|just\s+|coming\s+)?"
         r"(?:(?:about|around|approximately|approx\.?|roughly|some|up\s+to|max(?:imum)?(?:\s+of)?|at\s+most|"
         r"no\s+more\s+than|(?:a\s+)?(?:period|total|maximum|max)\s+of|a\s+further)\s+)?")
# Words between the number and the unit that leave its length as it is ("2 full days", "3 more weeks"); and
# "business days" / "working days", counted on weekdays only.
_SAME_LENGTH = r"(?:(?:more|extra|full|whole|calendar|entire)\s+)?"
_BUSINESS = r"(?:(?P<business>(?:business|working|work)[\s-]+)(?=days?\b))?"
# A length standing as a clause of its own, without "for": "Agent in Zendesk, 2 weeks", "(2w)", "- 3 days please";
# what may follow it: the end of the clause, thanks, or more of the length or of the end ("and 3 days", "or so",
# "until Friday"), which the forms below read or ask about.
_BARE_LEAD = r"(?:^|[,(:;.!?\u2013\u2014]|\s-\s)\s*(?:(?:just|only|approx\.?|about|max)\s+)?"
_BARE_END = (r"(?=\s*(?:$|[).,;!?+]|(?:please|pls|thanks?|thx|only|max|tops|is\s+enough|should\s+do|and|plus|or|"
             r"to|until|till|through|thru)\b))")


def _led(body: str) -> tuple[re.Pattern[str], ...]:
    """A length after "for ..." ("for two weeks"), and the same standing alone as a clause (", two weeks")."""
    return re.compile(rf"{_LEAD}{body}"), re.compile(rf"{_BARE_LEAD}{body}{_BARE_END}")


def _first(patterns: tuple[re.Pattern[str], ...], text: str) -> re.Match[str] | None:
    return next((found for pattern in patterns if (found := pattern.search(text))), None)


# "a week and a half": the half after the unit.
_DURATION = _led(rf"{_AMOUNT}(?:\s|-)*{_SAME_LENGTH}{_BUSINESS}{_UNIT}\b(?P<unit_half>\s+and\s+a\s+half\b)?")
# "... and 3 days", ", 4 hours": a further part of the same length ("two weeks and three days").
_MORE_DURATION = re.compile(rf"^(?:\s*,)?\s*(?:(?:and|plus|,)\s+|\+\s*)?{_AMOUNT}(?:\s|-)*{_SAME_LENGTH}{_UNIT}\b")
# "48h", "2d", "3w", "2mo"; "2m" (minutes or months?) is asked about.
# Not where the letter makes the number a kind of thing: "for 3D printing", "for the 2D design team", "for 24h
# support", "for 2 M&A projects".
_COMPACT_AMOUNT = r"\d{1,3}(?:[.,]\d{1,2})?"
_COMPACT_UNIT = r"h|hrs?|d|w|wk|mo|m"
_COMPACT = _led(rf"(?P<amount>{_COMPACT_AMOUNT})\s?(?P<unit>{_COMPACT_UNIT})\b(?!\s*&)"
                r"(?!\s*(?:[-/]\s*)?(?:print\w*|design\w*|model\w*|graphic\w*|art|artwork|animation\w*|scan\w*|"
                r"render\w*|cad|game\w*|video\w*|map\w*|view\w*|chart\w*|support|service\w*|coverage|"
                r"operations|ops|on-?call|monitoring|desk|team\w*|shift\w*|helpdesk|hotline|printer\w*)\b)")
# "2h30", "1d12h", "2h 30m": a length in compact parts, asked about rather than cut to its first part.
_COMPACT_PARTS = _led(rf"{_COMPACT_AMOUNT}\s?(?:{_COMPACT_UNIT})\s?\d{{1,3}}\s?(?:{_COMPACT_UNIT}|mins?)?(?![\w&])")
_COMPACT_UNITS = {"h": "hour", "hr": "hour", "hrs": "hour", "d": "day", "w": "week", "wk": "week", "mo": "month"}
# Periods whose length the organisation sets, not the calendar ("for 2 sprints", "for a semester"): asked about.
_VAGUE_PERIODS = _led(rf"{_AMOUNT}[\s-]*(?:sprints?|semesters?|shifts?|rotations?|secondments?|"
                      r"(?:business|working|work)[\s-]+(?:hours?|weeks?|months?|minutes?|years?))\b")
# A length of time no form above reads ("for -3 days", "for 10000 hours", "for three or four weeks"): asked about.
_NUMBERISH = rf"(?:[-+~\u2212]?\d[\d.,/]*|(?:{_NUMBER_WORD}|half|several|some|many|few)\b)"
_DURATION_ANYTHING = _led(
    rf"(?P<what>{_NUMBERISH}(?:[\s-]*(?:{_NUMBERISH}|(?:and|or|to)\b)){{0,4}})[\s-]*{_SAME_LENGTH}{_UNIT}\b")
# A period named rather than given ("during my on-call week", "over the holidays", "for the next sprint", "for the
# duration of the project"): asked about, never read as no end.
# Only periods of time ("during the export", "for the sprint review" are no ends), ending their phrase.
_PERIOD_NOUNS = (r"(?:sprint|on-?call(?:\s+(?:week|shift|rotation))?|holidays?|vacation|leave|absence|secondment|"
                 r"rotation|notice\s+period|(?:release|change|maintenance|migration)\s+window|freeze|cutover|trial|"
                 r"pilot|transition|handover|parental\s+leave|sabbatical)")
_PERIOD_ENDS = r"(?=\s*(?:$|[,.;:!?)]|(?:and|please|pls|so|because|as|while|then|thanks?|only)\b))"
_NAMED_PERIOD = re.compile(
    r"\b(?:(?:during|throughout)\s+(?:the|my|our|his|her|their|this|next|that)\s+(?:[\w-]+\s+)?"
    rf"(?:{_PERIOD_NOUNS}|weeks?|months?|quarter|year){_PERIOD_ENDS}"
    r"|over\s+(?:the\s+)?(?:holidays?|holiday\s+(?:season|period)|break|summer|winter|christmas|new\s+year|"
    rf"festive\s+(?:season|period)){_PERIOD_ENDS}"
    r"|for\s+the\s+(?:duration|life(?:time)?)\s+of\s+(?:the\s+|my\s+|our\s+|this\s+)?[\w-]+"
    r"|for\s+as\s+long\s+as\b(?:\s+[\w'-]+){0,3}"
    r"|for\s+(?:the\s+|my\s+|our\s+|his\s+|her\s+|their\s+|your\s+|this\s+|next\s+)"
    r"(?:next\s+|current\s+|coming\s+|rest\s+of\s+the\s+)?"
    rf"{_PERIOD_NOUNS}{_PERIOD_ENDS}"
    rf"|for\s+next\s+(?:week|month)(?:\s+only)?{_PERIOD_ENDS}|for\s+next\s+(?:quarter|year)\s+only)")
# A start later than now ("for 1 week starting Monday", "from Monday to Wednesday"): access begins once granted, so
# a length or an end said with a start is asked about rather than counted from now.
_START = re.compile(r"\b(?:starting|beginning|from|as\s+of|effective)\s+(?:on\s+|from\s+)?(?:the\s+)?"
                    r"(?P<start>(?:next\s+|this\s+|coming\s+)?(?:" + "|".join(_WEEKDAYS) + r")|tomorrow|next\s+week|"
                    r"next\s+month|\d{4}-\d{2}-\d{2}|\d{1,2}(?:st|nd|rd|th)?\s+(?:" + "|".join(_MONTHS) + r")\b|"
                    r"(?:" + "|".join(_MONTHS) + r")\s+\d{1,2}(?:st|nd|rd|th)?)\b")
_FROM_TO_END = r"\s*(?:to|till|til|until|through|thru|\u2013|-(?=\s*\w+\s*(?:$|[,.;!?])))\s*(?:the\s+)?"
_STARTS_LATER = "starts later, but access begins once it is granted: say only until when"
STARTS_LATER_ALONE = "starts later, but access begins once it is granted"
# Words before "starting Monday" that make it a person's start ("a new hire starting Monday", "who starts ...").
_PERSON_STARTS = re.compile(r"\b(?:hires?|starters?|joiners?|contractors?|interns?|employees?|colleagues?|members?|"
                            r"person|someone|somebody|he|she|they|who|temps?|consultants?|trainees?|recruits?)\s*,?\s*$")
_WEEKEND = re.compile(r"\b(?:for|over|during)\s+(?:the|this)\s+weekend\b")
_TODAY = re.compile(r"\b(?:(?:just|only)\s+)?(?:for\s+(?:the\s+)?(?:day|today)|today only|for\s+today)\b")
# "for the rest of the week", "for this month": to the end of that period.
_REST_OF = re.compile(r"\b(?:for\s+(?:the\s+rest\s+of\s+(?:the\s+|this\s+)?|this\s+)|(?:just|only)\s+this\s+)"
                      r"(?P<period>day|week|month|quarter|year)\b")
# "until ..." that no form above reads ("until yesterday", "until the migration is done"): asked about, never dropped.
# "Till" before a capitalised word may be a given name ("Till Becker needs ..."), so only "until" counts there.
_UNTIL_ANYTHING = re.compile(r"\b(?:[Uu]ntil|[Uu]ntill|till(?!\s+[A-Z])|til(?!\s+[A-Z]))\s+"
                             r"(?P<when>[\w'/:.-]+(?:\s+[\w'/:.-]+){0,3})")
# Access said to be temporary with no end given.
_TEMPORARY = re.compile(r"\b(?:temporar(?:y|ily)|temp access|for a (?:little |short )?while|short[- ]term)\b")
# "01/02": the 1st of February or the 2nd of January; asked about, never guessed. ("3/3" is the same either way.)
_TWO_WAYS = re.compile(r"(?!(\d{1,2})[/.]0*\1\b)(?:0?[1-9]|1[0-2])[/.](?:0?[1-9]|1[0-2])(?:[/.]\d{2}(?:\d{2})?)?")
_AMBIGUOUS_DATE = "can be read as day/month or as month/day"
# A day and month without a year, this many days past, is taken as a slip (asked about), not as next year's.
_RECENTLY_PAST = timedelta(days=31)
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
# A day ("friday", "31 december", "12/31", "end of q1"), as "until ..." names it.
_WHEN = (
    r"\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2})?(?:z|[+-]\d{2}:?\d{2})?)?"
    # "12/31", "31/12/2026"; with dots only with a year ("31.12.26"): "until 10.30" is a time of day. Never a
    # number of some unit ("up to 2.5 days").
    rf"|(?:\d{{1,2}}/\d{{1,2}}(?:/\d{{2}}(?:\d{{2}})?)?|\d{{1,2}}\.\d{{1,2}}\.\d{{2}}(?:\d{{2}})?)(?!\s*(?:{_UNIT_NAMES})\b)"
    r"|tomorrow|tonight|today|(?:next\s+|this\s+(?:coming\s+)?|coming\s+)?(?:" + "|".join(_WEEKDAYS) + r")"
    r"|end of (?:the |this |next )?(?:day|week|month|quarter|year)|(?:the )?weekend"
    r"|(?:the\s+)?end\s+of\s+q[1-4](?:\s+\d{4})?|q[1-4](?:\s+\d{4})?\s+end"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+(?:{_MONTH_NAMES})\.?(?:,?\s+\d{{4}})?"
    rf"|(?:{_MONTH_NAMES})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    r"|yesterday"
    # "the 15th": a day of the month alone, the next such day; only where nothing follows that could make it
    # something else ("until the 2nd round is done")
    r"|\d{1,2}(?:st|nd|rd|th)(?=\s*(?:$|[,.;!?)]|(?:and|so|because|as|please|pls|thanks?|thank|thx|at|then|"
    r"for|to|while|when|if|i|we|latest)\b))")
_UNTIL = re.compile(r"\b(?:until|till|til|untill|through|thru|up to and including|up to|ending on|ending|"
                    # the access's own end, not another's ("my old access ends tomorrow", "my trial ends Friday")
                    r"(?:which|that|it|(?<!old\s)(?<!current\s)(?<!existing\s)(?<!previous\s)(?:the\s+)?access|"
                    r"the\s+grant|the\s+role)\s+(?:ends|finishes)(?:\s+on)?)"
                    rf"\s+(?:on\s+|the\s+)?(?P<when>{_WHEN})\b")
# "from Monday to Wednesday", "from 1 January until 15 January": a start, and an end after it.
_FROM_TO = re.compile(_START.pattern + _FROM_TO_END + rf"(?:{_WHEN})\b")
# "between Dec 10 and Dec 20", "from the 15th to the 20th", "from 15 to 20 December", "from today to Friday": a start
# (a day, or a day of the month the end's month completes) and an end.
_SPAN = re.compile(r"\b(?:from|between)\s+(?:the\s+)?(?P<start>today|now|"
                   rf"{_WHEN}|\d{{1,2}}(?:st|nd|rd|th)?)"
                   r"\s*(?:to|till|til|until|through|thru|and|\u2013|-)\s*(?:the\s+)?"
                   rf"(?P<end>{_WHEN})\b")
# After "until <day>", more of the day than the form reads ("until end of day Friday", "until Monday week").
_DAY_LEFT_OVER = re.compile(r"^\s+(?:on\s+|of\s+|in\s+)?(?:(?:next|this|the)\s+)?(?:week|month|year|tomorrow|today|\d|"
                            + "|".join(_WEEKDAYS) + r")\b")
# A time of day (on the requester's clock), on the day said before or after it, today when none is: "until 5pm",
# "till 17:30 tomorrow", "until Friday at noon", "until 5pm on December 12".
_UNTIL_CLOCK = re.compile(
    rf"\b(?:until|till|til|untill)\s+(?:(?:on\s+|the\s+)?(?P<day_first>{_WHEN}),?\s+(?:at\s+)?)?"
    r"(?P<clock>\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)|\d{1,2}:\d{2}|noon|midday|midnight)"
    rf"(?:,?\s+(?:on\s+)?(?:the\s+)?(?P<day>{_WHEN}))?"
    r"(?:\s+(?:utc|gmt|z)\b)?(?![\w:])")
# After a time of day, what is not read: another zone ("5pm EST"), or a day in words no form reads ("5pm tmrw").
_ZONE_AFTER = re.compile(r"^\s*[,(\[]?\s*(?:et|pt|ct|mt|eastern|pacific|central|mountain|"
                         r"est|edt|cst|cdt|mst|mdt|pst|pdt|akst|hst|cet|cest|eet|eest|wet|west|bst|ist|jst|"
                         r"kst|aest|aedt|acst|awst|nzst|nzdt|hkt|sgt|msk|brt|gst|pkt|ict|sast|cat|eat|wat|local|"
                         r"(?:utc|gmt)\s*[+-]\s*\d+|[+-]\d{1,2}(?::?\d{2})?)\b")
# What may follow a time of day that was read whole: the end of the sentence, or words that start something else.
_CLOCK_ENDS = re.compile(r"^\s*(?:$|[.;!?)]|,|(?:please|pls|thanks?|thank|thx|so|because|as|and|then|for|to|while|"
                         r"when|since|if|or|i|we|it|latest|at\s+the\s+latest|max|tops)\b)")
_DAY_AFTER = re.compile(r"^\s*(?:,\s*)?(?:on\s+|the\s+|of\s+)*(?:\d|tmrw?\b|tom+or+ow\b|next\b|this\b|week\b|"
                        rf"(?:{_MONTH_NAMES})\b)")

UNTIL_SLOT = "until"
NO_END_GIVEN = "gives no end"
_WITHOUT_END = re.compile(r"^(?:(?:ok(?:ay)?|no|please|just)[\s,.!]+)*"
                          r"(?:no end(?: date)?|without (?:an )?end(?: date)?|permanent(?:ly)?|for good|forever|"
                          r"indefinitely|no limit|no time limit|open[- ]ended|"
                          r"no expiry|no expiration|never)(?:[\s,.!]+(?:please|thanks?))*[\s,.!]*$")


@dataclass(frozen=True)
class TimeLimit:
    """When the access asked for ends, or why the end given cannot be used."""

    until: datetime | None
    said: str
    problem: str = ""


def find_time_limit(text: str, now: datetime) -> TimeLimit | None:
    """The end of the access the text asks for, if it gives one (None when it asks for access without an end)."""
    folded = _normalised(re.sub(r"\s+", " ", fold(text)).strip())
    limit = _end(text, folded, now)
    from_to = _FROM_TO.search(folded)
    start = from_to or _START.search(folded)
    if start is not None and _later_than_today(start.group("start"), now.date()):
        # "starting Monday", "as of March 1" with no end: granting now would grant before the day asked for
        alone = from_to is None and (limit is None or limit.until is None)
        if alone and _PERSON_STARTS.search(folded[:start.start()]):
            return limit  # "a contractor starting Monday needs ...": the person starts then, not the access
        return TimeLimit(until=None, said=start.group(0), problem=STARTS_LATER_ALONE if alone else _STARTS_LATER)
    span = _SPAN.search(folded)
    if span is not None:
        return _span(span, limit, now)
    return limit


def _span(span: re.Match[str], limit: TimeLimit | None, now: datetime) -> TimeLimit | None:
    """A start and an end: the end, when the start is today or past; asked about when it is later (or unread)."""
    today = now.date()
    end_day = _day(span.group("end"), today)
    start = span.group("start")
    if start in ("today", "now"):
        start_day: date | None = today
    elif re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)?", start):  # "from 15 to 20 December", "the 3rd to the 20th"
        number = int(re.sub(r"\D", "", start))  # a day of the end's month
        start_day = end_day.replace(day=number) if end_day and number <= end_day.day else None
    else:
        start_day = None if _TWO_WAYS.fullmatch(start) else _day(start, today)
    if start_day is None or start_day > today:
        return TimeLimit(until=None, said=span.group(0), problem=_STARTS_LATER)
    if limit is not None:  # "from today until Friday": read as an end already
        return limit
    read = _end(span.group("end"), f"until {span.group('end')}", now)
    return read if read is None else replace(read, said=span.group(0))


def _later_than_today(start: str, today: date) -> bool:
    """Whether a start names a day after today ("from Monday"; not "from today", nor a day already past)."""
    if start.startswith("next "):
        return True  # next week, next month, next Monday
    day = _day(start, today)
    return day is not None and day > today


def _end(text: str, folded: str, now: datetime) -> TimeLimit | None:
    length = _length(folded, now)
    if length is not None:
        return _and_no_other_end(length, folded, now)
    found = _WEEKEND.search(folded)
    if found:
        return _checked(_end_of(now.date() + timedelta(days=(6 - now.weekday()) % 7), now), found.group(0), now)
    found = _TODAY.search(folded)
    if found:
        return _checked(_end_of(now.date(), now), found.group(0), now)
    found = _REST_OF.search(folded)
    if found:
        return _checked(_end_of(_end_of_period(found.group("period"), now.date()), now), found.group(0), now)
    found = _UNTIL_CLOCK.search(folded)
    if found:
        return _at_clock(found, now, folded)
    found = _UNTIL.search(folded)
    this_week = re.match(r"\s+(?:of\s+)?(this|next)\s+week\b", folded[found.end():]) if found else None
    if found and this_week and found.group("when") in _WEEKDAYS:
        # "until Friday of this week": that day of the week now running (said on a Saturday, it has passed);
        # "until Friday of next week", "until Friday next week": that day of the week after
        monday = now.date() - timedelta(days=now.weekday()) + timedelta(weeks=this_week.group(1) == "next")
        weekday = monday + timedelta(days=_WEEKDAYS.index(found.group("when")))
        return _checked(_end_of(weekday, now), found.group(0) + this_week.group(0), now)
    if found and _DAY_LEFT_OVER.match(folded[found.end():]):
        # "until end of day Friday", "until Monday week": more of the day than the form reads, asked about
        return TimeLimit(until=None, said=found.group(0) + folded[found.end():].split(",")[0].split(".")[0][:20],
                         problem="is not a date I can read")
    if found:
        when = found.group("when")
        moment = _moment(when, now)
        if moment is not None:
            return _checked(moment, found.group(0), now)
        if re.match(r"\d{4}-\d{2}-\d{2}[t ]", when):  # a time of day that does not exist ("25:00")
            return TimeLimit(until=None, said=found.group(0), problem="is not a date I can read")
        if _TWO_WAYS.fullmatch(when):
            return TimeLimit(until=None, said=found.group(0), problem=_AMBIGUOUS_DATE)
        day = _day(when, now.date())
        if day is None:
            return TimeLimit(until=None, said=found.group(0), problem="is not a date I can read")
        return _checked(_end_of(day, now), found.group(0), now)
    found = _UNTIL_ANYTHING.search(re.sub(r"\s+", " ", text))
    if found:
        past = fold(found.group("when")).split()[0] in ("yesterday", "last", "earlier", "before")
        return TimeLimit(until=None, said=found.group(0).rstrip(".:-"),
                         problem="has already passed" if past else "is not a date I can read")
    found = _NAMED_PERIOD.search(folded) or _TEMPORARY.search(folded)
    if found:
        return TimeLimit(until=None, said=found.group(0), problem=NO_END_GIVEN)
    return None


def _and_no_other_end(length: TimeLimit, folded: str, now: datetime) -> TimeLimit:
    """A length, unless the text also gives an end on another day ("for two weeks until Friday"): asked about."""
    found = _UNTIL.search(folded)
    if length.until is None or found is None:
        return length
    day = _day(found.group("when"), now.date())
    if day is None or day == length.until.date():
        return length
    return TimeLimit(until=None, said=f"{length.said.strip()} ... {found.group(0)}", problem="gives two different ends")


# Short forms read as the words they stand for.
_SHORT_FORMS = ((re.compile(r"\b(?:work|week)\s?days?\b|\bbiz\s+days?\b"), "working days"),
                (re.compile(r"\bmos\b"), "months"), (re.compile(r"\beod\b"), "end of day"),
                (re.compile(r"\beow\b"), "end of week"), (re.compile(r"\beom\b"), "end of month"),
                (re.compile(r"\beoq\b"), "end of quarter"), (re.compile(r"\beoy\b"), "end of year"),
                # "for the next fortnight" is a fortnight; "for next week" (no "the") names a period, asked about
                (re.compile(r"\bfor the next (hour|day|week|fortnight|month|quarter|year)\b"), r"for a \1"),
                (re.compile(r"\b(?:expires|expiring|expiry|end date)(?: on| at|:)?\s+"), "until "),
                # "until Fri", "thru next Weds": weekdays cut short, read only after a word that starts an end
                (re.compile(r"\b((?:until|untill|till|til|through|thru|ending)\s+(?:on\s+)?(?:next\s+|this\s+)?)"
                            r"(mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)\b\.?"),
                 lambda found: found.group(1) + _WEEKDAY_OF[found.group(2)[:3]]))


def _normalised(folded: str) -> str:
    for pattern, replacement in _SHORT_FORMS:
        folded = pattern.sub(replacement, folded)
    return folded


def _length(folded: str, now: datetime) -> TimeLimit | None:
    """The end of access given as a length of time ("for two weeks", "for 48h"), or why it cannot be used."""
    found = _first(_DURATION, folded)
    if found and re.match(r"\s+(?:or|to)\s+(?:two|three|four|\d|so|more)\b", folded[found.end():]):
        # "for a week or two", "for 2 to 3 days": a range, asked about rather than cut to its lower end
        return TimeLimit(until=None, said=_tidy(found.group(0) + folded[found.end():].split(",")[0][:12]),
                         problem="is not a length of time I can read")
    if found:
        return _duration(found, folded, now)
    parts = _first(_COMPACT_PARTS, folded)
    if parts:
        return TimeLimit(until=None, said=_tidy(parts.group(0)), problem="is not a length of time I can read")
    found = _first(_COMPACT, folded)
    if found and found.group("unit") == "m":
        return TimeLimit(until=None, said=_tidy(found.group(0)), problem="can mean minutes or months")
    if found:
        unit = _COMPACT_UNITS[found.group("unit")]
        return _checked(_after(now, float(found.group("amount").replace(",", ".")), unit), found.group(0), now)
    found = _first(_VAGUE_PERIODS, folded) or _first(_DURATION_ANYTHING, folded)
    if found:
        return TimeLimit(until=None, said=_tidy(found.group(0)), problem="is not a length of time I can read")
    return None


def _duration(found: re.Match[str], folded: str, now: datetime) -> TimeLimit:
    """The end of a length of time, with any further parts it is given in ("two weeks and three days")."""
    said = found.group(0)
    rest = folded[found.end():]
    if found.group("business"):
        if _MORE_DURATION.match(rest) or found.group("unit_half"):  # working days and calendar time together
            return TimeLimit(until=None, said=said + rest.split(",")[0][:16].rstrip(),
                             problem="is not a length of time I can read")
        return _checked(_weekdays_after(now, _amount(found)), said, now)
    end = _after(now, _amount(found) + (0.5 if found.group("unit_half") else 0.0), found.group("unit").rstrip("s"))
    while more := _MORE_DURATION.match(rest):
        end = _after(end, _amount(more), more.group("unit").rstrip("s"))
        said += more.group(0)
        rest = rest[more.end():]
    return _checked(end, said, now)


def _after(moment: datetime, amount: float, unit: str) -> datetime:
    """`amount` units after `moment`: whole months and years by the calendar (a month from the 5th is the 5th,
    the last day where the month is shorter), anything else as a fixed length."""
    months = {"month": 1, "year": 12}.get(unit)
    if months is None or not amount.is_integer():
        return moment + amount * _UNITS[unit]
    total = moment.month - 1 + int(amount) * months
    year, month = moment.year + total // 12, total % 12 + 1
    try:
        return moment.replace(year=year, month=month, day=min(moment.day, _last_day(year, month).day))
    except ValueError:  # past the calendar's end: as far as the fixed length goes (asked about as too long)
        return moment + amount * _UNITS[unit]


def _weekdays_after(now: datetime, days: float) -> datetime:
    """`days` working days (Monday to Friday) after now, whole days only; a part day is rounded up."""
    moment, left = now, math.ceil(days)
    while left > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment


def _amount(found: re.Match[str]) -> float:
    """How many units a duration says: "3", "2.5", "1,5", "two and a half", "half a"."""
    if found.group("only_half"):
        return 0.5
    said = found.group("amount")
    amount = float(_NUMBER_WORDS.get(said) or float(said.replace(",", ".")))
    return amount + (0.5 if found.group("half") else 0.0)


def _moment(when: str, now: datetime) -> datetime | None:
    """A date with a time of day ("2026-12-31t12:00", on `now`'s clock unless an offset says otherwise), or None
    for anything else; "24:00" is the end of that day."""
    found = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[t ](\d{2}:\d{2}(?::\d{2})?)(z|[+-]\d{2}:?\d{2})?", when)
    if found is None:
        return None
    day, clock, offset = found.group(1), found.group(2), found.group(3) or ""
    offset = "+00:00" if offset == "z" else offset if ":" in offset or not offset else f"{offset[:3]}:{offset[3:]}"
    try:
        if clock in ("24:00", "24:00:00"):
            midnight = datetime.fromisoformat(f"{day}T00:00{offset}")
            return _on_clock(midnight, now) + timedelta(days=1)
        return _on_clock(datetime.fromisoformat(f"{day}T{clock}{offset}"), now)
    except (ValueError, OverflowError):  # no such moment, or one past the calendar's end ("9999-12-31 24:00")
        return None


def _at_clock(found: re.Match[str], now: datetime, folded: str) -> TimeLimit:
    """The end given as a time of day, on the day named with it (today when none is)."""
    said = found.group(0).strip()
    rest = folded[found.end():]
    if _ZONE_AFTER.match(rest):
        said = f"{said} {rest.split()[0]}"
        return TimeLimit(until=None, said=said,
                         problem=f"has a time zone I do not read (times here are {zone_label(now)})")
    if _DAY_AFTER.match(rest) or not _CLOCK_ENDS.match(rest):
        # "until 5pm on the 12th", "until 5pm Berlin time", "until 5pm in two days": more than a time, not read
        said = f"{said}{rest.split(',')[0].split('.')[0][:24]}".rstrip()
        return TimeLimit(until=None, said=said, problem="is not a date I can read")
    clock = re.sub(r"(\d)\.(\d)", r"\1:\2", found.group("clock")).replace(".", "").replace(" ", "")
    named_day = found.group("day_first") or found.group("day") or "today"
    if _TWO_WAYS.fullmatch(named_day):
        return TimeLimit(until=None, said=said, problem=_AMBIGUOUS_DATE)
    day = _day(named_day, now.date())
    if day is None:
        return TimeLimit(until=None, said=said, problem="is not a date I can read")
    if clock == "midnight":
        return _checked(_end_of(day, now), said, now)
    if clock in ("noon", "midday"):
        hour, minute = 12, 0
    else:
        parts = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(am|pm)?", clock)
        if parts is None:
            return TimeLimit(until=None, said=said, problem="is not a time I can read")
        hour, minute, half = int(parts.group(1)), int(parts.group(2) or 0), parts.group(3)
        if half and not 1 <= hour <= 12:
            return TimeLimit(until=None, said=said, problem="is not a time I can read")
        if half:
            hour = hour % 12 + (12 if half == "pm" else 0)
    if (hour, minute) == (24, 0):  # "24:00": the end of that day
        return _checked(datetime.combine(day, time(0, 0), tzinfo=now.tzinfo) + timedelta(days=1), said, now) \
            if day < date.max else TimeLimit(until=None, said=said, problem="is not a date I can read")
    if hour > 23 or minute > 59:
        return TimeLimit(until=None, said=said, problem="is not a time I can read")
    return _checked(datetime.combine(day, time(hour, minute), tzinfo=now.tzinfo), said, now)


def _tidy(said: str) -> str:
    """What was said, without the mark a length standing alone follows (", 2 weeks", "(2w")."""
    return said.strip(",(:;.!?-\u2013\u2014 ")


def _checked(until: datetime, said: str, now: datetime) -> TimeLimit:
    said = _tidy(said)
    if until <= now:
        return TimeLimit(until=None, said=said, problem="has already passed")
    if until - now > MAX_ACCESS:
        return TimeLimit(until=None, said=said, problem=f"is more than {MAX_ACCESS.days} days away")
    if until - now < MIN_ACCESS:
        return TimeLimit(until=None, said=said, problem="is less than a minute")
    return TimeLimit(until=until, said=said)


def _end_of(day: date, now: datetime) -> datetime:
    """The last second of a day on `now`'s clock (as `time_zones.end_of_day` for a bundle's date)."""
    return datetime.combine(day, LAST_SECOND, tzinfo=now.tzinfo)


def _on_clock(moment: datetime, now: datetime) -> datetime:
    """A moment read without an offset is on `now`'s clock; one with an offset keeps it."""
    return moment.replace(tzinfo=now.tzinfo) if moment.tzinfo is None else moment.astimezone(UTC)


def _day(when: str, today: date) -> date | None:
    """The day a phrase names, counted from today; None for a date that does not exist."""
    when = when.removeprefix("the ").strip()
    if when in ("today", "tonight"):
        return today
    if when == "tomorrow":
        return today + timedelta(days=1)
    if when == "yesterday":
        return today - timedelta(days=1)
    quarter = re.search(r"\bq([1-4])(?:\s+(\d{4}))?", when)
    if quarter:
        try:
            return _end_of_quarter(int(quarter.group(1)), int(quarter.group(2)) if quarter.group(2) else None, today)
        except (ValueError, OverflowError):  # "Q4 9999", "Q4 0000": past either end of the calendar
            return None
    if when.startswith("end of next "):
        return _end_of_period(when.split()[-1], _end_of_period(when.split()[-1], today) + timedelta(days=1))
    if when.startswith("end of"):
        return _end_of_period(when.split()[-1], today)
    if when == "weekend":
        return today + timedelta(days=(6 - today.weekday()) % 7)
    when = re.sub(r"^(?:this\s+(?:coming\s+)?|coming\s+)", "", when)
    weekday = when.removeprefix("next ").strip()
    if weekday in _WEEKDAYS and when.startswith("next "):
        # "next Monday": that day of the next week (Monday to Sunday), as "Monday of next week"; said on a Saturday,
        # the Monday two days later
        return today + timedelta(days=7 - today.weekday() + _WEEKDAYS.index(weekday))
    if weekday in _WEEKDAYS:
        return today + timedelta(days=(_WEEKDAYS.index(weekday) - today.weekday()) % 7)  # said on a Friday: today
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", when):
            return date.fromisoformat(when)
        if re.fullmatch(r"[\d/.]+", when):
            return _numeric_day(when, today)
        if re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)", when):
            return _next_day_of_month(int(when[:-2]), today)
        return _day_and_month(when, today)
    except ValueError:
        return None


def _end_of_period(period: str, today: date) -> date:
    if period == "day":
        return today
    if period == "week":
        return today + timedelta(days=6 - today.weekday())
    if period == "year":
        return date(today.year, 12, 31)
    if period == "quarter":
        last_month = (today.month - 1) // 3 * 3 + 3
        return _last_day(today.year, last_month)
    return _last_day(today.year, today.month)


def _end_of_quarter(quarter: int, year: int | None, today: date) -> date:
    """The last day of quarter `quarter` of `year`; with no year, of the next such quarter not yet over."""
    if year is not None:
        return _last_day(year, quarter * 3)  # year 0 or 9999 raise: no such day
    end = _last_day(today.year, quarter * 3)
    return end if end >= today else _last_day(today.year + 1, quarter * 3)


def _last_day(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def _numeric_day(when: str, today: date) -> date:
    """'12/31', '31/12/2026', '31.12.26': day and month told apart by the one above 12 (`_TWO_WAYS` is asked
    about before this); with no year, the next such day from today on."""
    numbers = [int(part) for part in re.split(r"[/.]", when)]
    first, second = numbers[0], numbers[1]
    day_of_month, month = (first, second) if first > 12 else (second, first)
    if len(numbers) > 2:
        year = numbers[2] + (2000 if numbers[2] < 100 else 0)
        return date(year, month, day_of_month)
    return _next_such_day(month, day_of_month, today)


def _day_and_month(when: str, today: date) -> date:
    """'31 december', 'dec 31st, 2026': with no year, the next such day from today on."""
    words = re.findall(r"[a-z]+|\d+", when)
    month = next((_MONTHS[word] for word in words if word in _MONTHS), None)
    if month is None:
        raise ValueError(f"no month in {when!r}")
    numbers = [int(word) for word in words if word.isdigit()]
    day_of_month = numbers[0]
    if len(numbers) > 1:
        return date(numbers[1], month, day_of_month)
    return _next_such_day(month, day_of_month, today)


def _next_day_of_month(day_of_month: int, today: date) -> date:
    """'the 15th': the next such day from today on, in this month or the first month after it that has one."""
    year, month = today.year, today.month
    for _ in range(3):  # a 31st is at most two months away
        if day_of_month <= _last_day(year, month).day and date(year, month, day_of_month) >= today:
            return date(year, month, day_of_month)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise ValueError(f"no day {day_of_month} in any month")


def _next_such_day(month: int, day_of_month: int, today: date) -> date:
    """A day and month given without a year: this year's, unless it passed more than `_RECENTLY_PAST` ago, then
    next year's ("until 1 December" on the 4th has passed: asked about, not read as next year's)."""
    candidate = date(today.year, month, day_of_month)
    if candidate >= today or today - candidate <= _RECENTLY_PAST:
        return candidate
    return date(today.year + 1, month, day_of_month)


def shown_end(until: datetime, zone: str | None = None) -> str:
    """The end as the answer shows it, on the clock of `zone` (an IANA name) when given, else on the moment's own:
    '2026-12-18 17:05 UTC', 'the end of 2026-12-18 (Europe/Berlin)' for the last second of a day."""
    clock = zone_named(zone) if zone else None
    if clock is not None:
        until = until.astimezone(clock)
    if until.time() == time(23, 59, 59):
        return f"the end of {until:%Y-%m-%d} ({zone_label(until)})"
    return f"{until:%Y-%m-%d %H:%M} {zone_label(until)}"


def without_end(text: str) -> bool:
    """Whether the whole reply says the access should have no end ("no end date", "permanently")."""
    return bool(_WITHOUT_END.match(re.sub(r"\s+", " ", fold(text)).strip()))


def until_question(limit: TimeLimit) -> Clarification:
    """The question for an end that cannot be used ("until 2025-01-01" has already passed), or not given."""
    if limit.problem == STARTS_LATER_ALONE:
        return Clarification(slot=UNTIL_SLOT, mentioned=limit.said, question=(
            f"You said \"{limit.said}\", but access begins once it is granted: ask again on that day, or say until "
            "when you need it from now, for example \"for two weeks\" or \"until 2026-12-31\"; or say \"no end "
            "date\"."))
    if limit.problem == NO_END_GIVEN:
        return Clarification(slot=UNTIL_SLOT, mentioned=limit.said, question=(
            f"You said \"{limit.said}\" but gave no end: until when do you need the access? For example \"for two "
            "weeks\" or \"until 2026-12-31\"; or say \"no end date\"."))
    return Clarification(slot=UNTIL_SLOT, question=(
        f"The end you gave (\"{limit.said}\") {limit.problem}. Until when do you need the access? For example "
        "\"for two weeks\" or \"until 2026-12-31\"; or say \"no end date\"."), mentioned=limit.said)
