"""How long access is asked for, read from the words: pure logic, a fixed 'now'."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.understanding.time_limits import (
    MAX_ACCESS,
    STARTS_LATER_ALONE,
    find_time_limit,
    shown_end,
    until_question,
    without_end,
)

NOW = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # a Friday


def _end_of(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T23:59:59+00:00")


@pytest.mark.parametrize(("text", "until"), [
    ("I need the Reader role in Jira for two weeks", NOW + timedelta(weeks=2)),
    ("Confluence Reader for 3 days please", NOW + timedelta(days=3)),
    ("for the next 48 hours", NOW + timedelta(hours=48)),
    ("for a couple of weeks, it's for an audit", NOW + timedelta(weeks=2)),
    ("for a month", datetime(2027, 1, 4, 17, 0, tzinfo=UTC)),  # by the calendar
    ("just for today", _end_of("2026-12-04")),
    ("today only", _end_of("2026-12-04")),
    ("until tomorrow", _end_of("2026-12-05")),
    ("until Monday", _end_of("2026-12-07")),
    ("until Friday", _end_of("2026-12-04")),
    ("till next Friday", _end_of("2026-12-11")),
    ("until 2026-12-31", _end_of("2026-12-31")),
    ("until 31 December", _end_of("2026-12-31")),
    ("through Jan 15th", _end_of("2027-01-15")),
    ("until the end of the month", _end_of("2026-12-31")),
    ("until end of quarter", _end_of("2026-12-31")),
])
def test_an_end_given_in_words_is_read(text: str, until: datetime) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None and limit.problem == "" and limit.until == until


@pytest.mark.parametrize("text", ["I need Reader in Box", "Ana needs Reader for Q3 planning", "I need it by Friday",
                                  "for the audit team", "access for 2 people"])
def test_no_end_is_read_where_none_is_given(text: str) -> None:
    assert find_time_limit(text, NOW) is None


@pytest.mark.parametrize(("text", "problem"), [
    ("until 2025-01-01", "has already passed"),
    ("until Feb 30", "is not a date I can read"),
    ("for 5 years", f"is more than {MAX_ACCESS.days} days away"),
])
def test_an_end_that_cannot_be_used_says_why(text: str, problem: str) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None and limit.until is None and limit.problem == problem


def test_the_end_is_shown_as_a_day_or_a_time() -> None:
    assert shown_end(_end_of("2026-12-31")) == "the end of 2026-12-31 (UTC)"
    assert shown_end(NOW + timedelta(days=3)) == "2026-12-07 17:00 UTC"


@pytest.mark.parametrize(("text", "expected"), [("no end date", True), ("permanently please", True),
                                                 ("forever", True), ("for two weeks", False), ("no", False)])
def test_a_reply_asking_for_no_end(text: str, expected: bool) -> None:
    assert without_end(text) is expected


@pytest.mark.parametrize(("text", "until"), [
    ("for a fortnight", NOW + timedelta(weeks=2)),
    ("for the rest of the week", _end_of("2026-12-06")),
    ("for this month", _end_of("2026-12-31")),
    ("until 15 January", _end_of("2027-01-15")),
])
def test_more_ends_in_words(text: str, until: datetime) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None and limit.until == until


@pytest.mark.parametrize(("text", "problem"), [
    ("until yesterday", "has already passed"), ("till last Friday", "has already passed"),
    ("until 1 December", "has already passed"), ("until the migration is done", "is not a date I can read"),
    ("I need temporary access", "gives no end"),
])
def test_an_end_that_is_past_unreadable_or_missing_is_never_dropped(text: str, problem: str) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None and limit.until is None and limit.problem == problem


def test_a_given_name_till_is_not_an_end() -> None:
    assert find_time_limit("Till Becker needs Reader in Box", NOW) is None


@pytest.mark.parametrize(("text", "until"), [
    ("I need Light Agent in Zendesk for 2.5 weeks", NOW + timedelta(weeks=2.5)),
    ("for two and a half weeks", NOW + timedelta(weeks=2.5)),
    ("for 1,5 days", NOW + timedelta(days=1.5)),
    ("for half a day", NOW + timedelta(hours=12)),
    ("for the weekend", _end_of("2026-12-06")),
    ("over the weekend", _end_of("2026-12-06")),
    ("until 12/31", _end_of("2026-12-31")),
    ("until 12/31/2026", _end_of("2026-12-31")),
    ("until 31/12/2026", _end_of("2026-12-31")),
    ("till 31.12.26", _end_of("2026-12-31")),
    ("until 3/3", _end_of("2027-03-03")),
    ("until 2026-12-31T12:00", datetime(2026, 12, 31, 12, 0, tzinfo=UTC)),
    ("until 2026-12-31 08:30Z", datetime(2026, 12, 31, 8, 30, tzinfo=UTC)),
])
def test_fractions_the_weekend_numeric_dates_and_times_of_day_are_read(text: str, until: datetime) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None and limit.problem == "" and limit.until == until


@pytest.mark.parametrize(("text", "problem", "said"), [
    ("I need Light Agent in Zendesk for -3 days", "is not a length of time I can read", "for -3 days"),
    ("for three or four weeks", "is not a length of time I can read", "for three or four weeks"),
    ("for 10000 hours", "is not a length of time I can read", "for 10000 hours"),
    ("until 01/02", "can be read as day/month or as month/day", "until 01/02"),
    ("until 13/13", "is not a date I can read", "until 13/13"),
    ("until 2026-12-04T09:00", "has already passed", "until 2026-12-04t09:00"),
    ("until the migration is done.", "is not a date I can read", "until the migration is done"),
])
def test_a_length_or_date_that_cannot_be_read_is_asked_about_and_quoted_whole(text: str, problem: str,
                                                                               said: str) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None and limit.until is None and (limit.problem, limit.said) == (problem, said)


@pytest.mark.parametrize("text", ["access for 2 people", "for 3 projects this year", "Reader for 2 teams"])
def test_numbers_that_count_something_else_are_not_an_end(text: str) -> None:
    assert find_time_limit(text, NOW) is None


@pytest.mark.parametrize("text", ["I need temporary access", "I need Reader temporarily", "short-term access please"])
def test_access_said_to_be_temporary_is_asked_how_long_in_the_words_used(text: str) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None
    question = until_question(limit).question
    assert question.startswith(f'You said "{limit.said}" but gave no end: until when do you need the access?')


@pytest.mark.parametrize(("text", "until"), [
    ("until 2026-12-31 24:00", datetime(2027, 1, 1, 0, 0, tzinfo=UTC)),
    ("until 2026-12-31T12:00+02:00", datetime(2026, 12, 31, 10, 0, tzinfo=UTC)),
    ("until 2026-12-31T12:00-0500", datetime(2026, 12, 31, 17, 0, tzinfo=UTC)),
    ("for a 3 month contract", NOW + timedelta(days=90)),
    ("for an 8 hour shift", NOW + timedelta(hours=8)),
])
def test_midnight_offsets_and_a_length_before_a_noun_are_read(text: str, until: datetime) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None and limit.problem == "" and limit.until == until


@pytest.mark.parametrize("text", ["until 2026-12-31 25:00", "until 2026-02-30T10:00", "until 2026-12-31T12:60:00Z",
                                  "until 10.30 tomorrow", "until 12.30", "for a week or two", "for 2 days or more"])
def test_times_that_do_not_exist_dotted_times_and_ranges_are_asked_about_never_a_crash(text: str) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None and limit.until is None and limit.problem


@pytest.mark.parametrize("text", ["for up to 2.5 days", "I need access up to 3.5 hours", "through 2.5 weeks"])
def test_a_decimal_number_of_units_is_no_date(text: str) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is None or "day/month" not in limit.problem


@pytest.mark.parametrize(("text", "until"), [
    ("for 90 seconds", NOW + timedelta(seconds=90)),
    ("for 5 business days", datetime(2026, 12, 11, 17, 0, tzinfo=UTC)),  # Friday to Friday, weekend skipped
    ("for 1 working day", datetime(2026, 12, 7, 17, 0, tzinfo=UTC)),
    ("for 2 calendar weeks", NOW + timedelta(weeks=2)),
    ("for 2 full days", NOW + timedelta(days=2)),
    ("for 48h", NOW + timedelta(hours=48)),
    ("for 3d please", NOW + timedelta(days=3)),
    ("for 2 w", NOW + timedelta(weeks=2)),
    ("for 2mo", datetime(2027, 2, 4, 17, 0, tzinfo=UTC)),
    ("for two weeks and three days", NOW + timedelta(weeks=2, days=3)),
    ("for 1 week, 2 days", NOW + timedelta(weeks=1, days=2)),
    ("for 2 weeks, and then remove it", NOW + timedelta(weeks=2)),
])
def test_seconds_working_days_compact_units_and_lengths_in_parts_are_read(text: str, until: datetime) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None and limit.problem == "" and limit.until == until


@pytest.mark.parametrize(("text", "problem"), [
    ("I need Explore Analyst in Zendesk for 30 seconds", "is less than a minute"),
    ("for 45 secs", "is less than a minute"),
    ("for 2m", "can mean minutes or months"),
    ("for 2 sprints", "is not a length of time I can read"),
    ("for one semester", "is not a length of time I can read"),
])
def test_a_length_too_short_to_use_or_of_no_fixed_size_is_asked_about(text: str, problem: str) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None and limit.until is None and limit.problem == problem


@pytest.mark.parametrize("text", ["I need Deployer for the release", "access for a term sheet review",
                                  "for the night shift team", "for 2 reports"])
def test_words_near_a_length_that_are_not_one_are_not_an_end(text: str) -> None:
    assert find_time_limit(text, NOW) is None


@pytest.mark.parametrize(("text", "until"), [
    ("until 6pm", datetime(2026, 12, 4, 18, 0, tzinfo=UTC)),
    ("until 5:30 pm today", datetime(2026, 12, 4, 17, 30, tzinfo=UTC)),
    ("until 17:45", datetime(2026, 12, 4, 17, 45, tzinfo=UTC)),
    ("till noon tomorrow", datetime(2026, 12, 5, 12, 0, tzinfo=UTC)),
    ("until tomorrow at 9am", datetime(2026, 12, 5, 9, 0, tzinfo=UTC)),
    ("until 12am on Monday", datetime(2026, 12, 7, 0, 0, tzinfo=UTC)),
    ("until midnight", _end_of("2026-12-04")),
    ("until this Monday", _end_of("2026-12-07")),
    ("until the end of Q1", _end_of("2027-03-31")),
    ("until end of Q4 2026", _end_of("2026-12-31")),
    ("until Q2 end", _end_of("2027-06-30")),
])
def test_times_of_day_this_weekday_and_quarters_are_read(text: str, until: datetime) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None and limit.problem == "" and limit.until == until, limit


@pytest.mark.parametrize(("text", "problem"), [
    ("until 4pm", "has already passed"), ("until 13pm", "is not a time I can read"),
    ("until 24:30", "is not a time I can read"), ("until 17:01 yesterday", "has already passed"),
])
def test_a_time_of_day_past_or_impossible_is_asked_about(text: str, problem: str) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None and limit.until is None and limit.problem == problem, limit


_PIECES = ["until", "till", "for", "end of", "q4", "9999", "0000", "31", "12", "december", "5pm", "12am", "24:00",
           "noon", "midnight", "tomorrow", "yesterday", "next", "this", "monday", "9999-12-31", "0001-01-01",
           "2026-02-29", "2d", "48h", "and a half", "a", "week", "business", "working", "hours", "on", "the", "12th",
           "3rd", "fri", "weds", "of",
           "at", "q1", "2027", "utc", "9999-12-31t23:59-05:00", "12/31/9999", "1/1/0000", "31.12.99", "0:00",
           "13:61", "2h30", "1.5h", "est", "12/31", "01/02", ","]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=7))
def test_any_words_about_time_give_an_end_or_a_question_never_an_error(words: list[str]) -> None:
    limit = find_time_limit(" ".join(words), NOW)
    assert limit is None or (limit.until is None) != (limit.problem == "")


@pytest.mark.parametrize(("text", "until"), [
    ("until 5pm on December 12", datetime(2026, 12, 12, 17, 0, tzinfo=UTC)),
    ("until Tuesday at 5pm", datetime(2026, 12, 8, 17, 0, tzinfo=UTC)),
    ("until Monday 9am", datetime(2026, 12, 7, 9, 0, tzinfo=UTC)),
    ("until 12/31 at 5pm", datetime(2026, 12, 31, 17, 0, tzinfo=UTC)),
    ("until 6pm, thanks", datetime(2026, 12, 4, 18, 0, tzinfo=UTC)),
    ("for 1.5h", NOW + timedelta(hours=1.5)),
    ("I need Admin for 24h in Okta", NOW + timedelta(hours=24)),
    ("for 48h (incident INC-1)", NOW + timedelta(hours=48)),
    ("for 2w while Hannah is away", NOW + timedelta(weeks=2)),
    ("for a week and a half", NOW + timedelta(weeks=1.5)),
    ("for an hour and a half", NOW + timedelta(hours=1.5)),
])
def test_a_time_of_day_with_its_date_and_halves_after_the_unit_are_read(text: str, until: datetime) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None and limit.problem == "" and limit.until == until, limit


@pytest.mark.parametrize(("text", "problem"), [
    ("until 5pm tmrw", "is not a date I can read"),
    ("until 5pm EST tomorrow", "has a time zone I do not read (times here are UTC)"),
    ("until 01/02 at 5pm", "can be read as day/month or as month/day"),
    ("for 10 business hours", "is not a length of time I can read"),
    ("for 3 working weeks", "is not a length of time I can read"),
    ("for 5 working days and 2 days", "is not a length of time I can read"),
    ("for 2h30", "is not a length of time I can read"), ("for 1d12h", "is not a length of time I can read"),
])
def test_what_a_time_or_length_adds_that_cannot_be_read_is_asked_about_not_dropped(text: str, problem: str) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None and limit.until is None and limit.problem == problem, limit


@pytest.mark.parametrize("text", ["I need Developer in GitLab for 3D printing firmware", "for the 2D design team",
                                  "I need Agent in Zendesk for 24h support", "I need Explorer for 2 m&a projects"])
def test_a_number_and_a_letter_that_name_no_length_are_no_end(text: str) -> None:
    assert find_time_limit(text, NOW) is None


def test_a_dotted_time_of_day_with_am_or_pm_is_read() -> None:
    limit = find_time_limit("till 5.30pm tomorrow", NOW)
    assert limit is not None and limit.until == datetime(2026, 12, 5, 17, 30, tzinfo=UTC)


@pytest.mark.parametrize(("text", "until"), [
    ("for about 2 weeks", NOW + timedelta(weeks=2)), ("for up to 3 days", NOW + timedelta(days=3)),
    ("for a maximum of 48 hours", NOW + timedelta(hours=48)), ("for a total of 10 days", NOW + timedelta(days=10)),
    ("for a couple days", NOW + timedelta(days=2)), ("for 6 mos", datetime(2027, 6, 4, 17, 0, tzinfo=UTC)),
    ("for 5 weekdays", datetime(2026, 12, 11, 17, 0, tzinfo=UTC)), ("till EOM", _end_of("2026-12-31")),
    ("expires Monday", _end_of("2026-12-07")), ("end date 2027-01-31", _end_of("2027-01-31")),
    ("for 2 weeks + 3 days", NOW + timedelta(weeks=2, days=3)), ("for 1 week 2 days", NOW + timedelta(days=9)),
    ("for 2 hours 30 minutes", NOW + timedelta(hours=2, minutes=30)),
    ("until 6pm for the release", datetime(2026, 12, 4, 18, 0, tzinfo=UTC)),
])
def test_lengths_with_qualifiers_short_forms_and_parts_are_read(text: str, until: datetime) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None and limit.problem == "" and limit.until == until, limit


@pytest.mark.parametrize("text", ["until 5pm Berlin time", "until 5pm my time", "until 5pm (CET)", "until 5pm ET",
                                  "until 5pm on fri", "until 5pm in two days", "until end of day Friday",
                                  "until Monday week", "until the end of the day tomorrow"])
def test_more_said_about_an_end_than_is_read_is_asked_about(text: str) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None and limit.until is None and limit.problem, limit


@pytest.mark.parametrize(("text", "until"), [
    ("until the 15th", _end_of("2026-12-15")), ("till the 31st please", _end_of("2026-12-31")),
    ("until 15th, thanks", _end_of("2026-12-15")), ("until the 4th", _end_of("2026-12-04")),
    # a day of the month already past this month is next month's
    ("I need Reader until the 3rd", _end_of("2027-01-03")),
    ("until the 12th at 5pm", datetime(2026, 12, 12, 17, 0, tzinfo=UTC)),
    ("until 5pm on the 12th", datetime(2026, 12, 12, 17, 0, tzinfo=UTC)),
    ("until Fri", _end_of("2026-12-04")), ("until Fri.", _end_of("2026-12-04")),
    ("thru next Weds", _end_of("2026-12-09")), ("till sun", _end_of("2026-12-06")),  # next week's Wednesday
    ("until Tue at 5pm", datetime(2026, 12, 8, 17, 0, tzinfo=UTC)), ("ending Thurs", _end_of("2026-12-10")),
])
def test_a_day_of_the_month_alone_and_short_weekday_names_are_read(text: str, until: datetime) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None and limit.problem == "" and limit.until == until, limit


def test_the_31st_in_a_month_without_one_is_the_next_month_that_has_it() -> None:
    limit = find_time_limit("until the 31st", datetime(2026, 11, 5, 9, 0, tzinfo=UTC))
    assert limit is not None and limit.until == _end_of("2026-12-31")


@pytest.mark.parametrize("text", ["until the 2nd round is done", "until the 15th of next month", "until the 32nd",
                                  "till the 3rd sprint ends"])
def test_a_day_of_the_month_followed_by_more_than_it_reads_is_asked_about(text: str) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None and limit.until is None and limit.problem == "is not a date I can read", limit


@pytest.mark.parametrize("text", ["I need the Fri report role", "Give me Sun access in Confluence",
                                  "I need Reader for the Wed standup"])
def test_short_weekday_names_without_an_end_word_are_no_end(text: str) -> None:
    assert find_time_limit(text, NOW) is None


@pytest.mark.parametrize(("text", "until"), [
    ("I need Reader in Confluence for the next fortnight", NOW + timedelta(weeks=2)),
    ("Light Agent in Zendesk, 2 weeks", NOW + timedelta(weeks=2)),
    ("Light Agent in Zendesk (2w)", NOW + timedelta(weeks=2)),
    ("Agent in Zendesk - 3 days please", NOW + timedelta(days=3)), ("I need Reader. 3 days", NOW + timedelta(days=3)),
    ("for the audit, which ends on Friday", _end_of("2026-12-04")),
    ("till the end of next week", _end_of("2026-12-13")),
    ("until end of next month", _end_of("2027-01-31")),
    ("for 1 month", datetime(2027, 1, 4, 17, 0, tzinfo=UTC)), ("for a year", datetime(2027, 12, 4, 17, 0, tzinfo=UTC)),
    ("for 1 month and 2 weeks", datetime(2027, 1, 18, 17, 0, tzinfo=UTC)),
    ("for a week until 2026-12-11", NOW + timedelta(weeks=1)),  # both say the same day
])
def test_lengths_without_for_calendar_months_and_ends_said_as_ends_are_read(text: str, until: datetime) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None and limit.problem == "" and limit.until == until, limit


def test_a_month_from_a_day_a_shorter_month_lacks_ends_on_its_last_day() -> None:
    limit = find_time_limit("for a month", datetime(2027, 1, 31, 9, 0, tzinfo=UTC))
    assert limit is not None and limit.until == datetime(2027, 2, 28, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "problem"), [
    ("Reader in Confluence for the next sprint pls", "gives no end"),
    ("Reader in Confluence during my on-call week", "gives no end"),
    ("Jonas needs Viewer in GCP prod for his on-call week", "gives no end"), ("for her vacation", "gives no end"),
    ("I need Reader over the holidays", "gives no end"),
    ("need Reporter in gitlab for the duration of the project", "gives no end"),
    ("for as long as the migration runs", "gives no end"), ("for next week only", "gives no end"),
    ("Reader from Monday to Wednesday", "starts later, but access begins once it is granted: say only until when"),
    ("need Planner in gitlab for 1 week starting Monday",
     "starts later, but access begins once it is granted: say only until when"),
    ("from 1 January until 15 January", "starts later, but access begins once it is granted: say only until when"),
    ("for two weeks until Friday", "gives two different ends"),
    ("for a few weeks", "is not a length of time I can read"),
    ("for a few more days", "is not a length of time I can read"),
])
def test_periods_named_starts_later_than_now_two_ends_and_a_few_are_asked_about(text: str, problem: str) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None and limit.until is None and limit.problem == problem, limit


@pytest.mark.parametrize("text", ["I need it, 2 days ago I asked", "I need Editor for the migration project",
                                  "access to fix a bug found during testing", "Reader in Confluence starting today",
                                  "I need Editor from today", "I need Viewer - 2 factor auth is set up",
                                  "I need the Q4 report, 2 pages"])
def test_what_only_looks_like_a_length_or_a_period_gives_no_end(text: str) -> None:
    assert find_time_limit(text, NOW) is None


SATURDAY = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", [
    "I need Viewer in Looker, I got a permission error during the export", "to fix a typo I noticed during the review",
    "to share dashboards throughout the company", "for the sprint planning board", "for the sprint review",
    "to plan for next year", "for next quarter's budget", "for my vacation requests", "for the rotation schedule",
    "for the holiday campaign", "for the length of stay report",
    # no start of the access at all
    # a person's start, not the access's
    "I have a contractor starting Monday, give him Reader", "a new hire, starting next week, needs Viewer",
    "move the data from Dec 1 to the archive", "I need X from 2 to 3 people",
    "shifts between 9 and 5",
    # someone else's end
    "My old access ends tomorrow, I need Viewer in Looker", "I need Viewer in Looker; my trial ends on Friday",
    "before my onboarding finishes tomorrow",
])
def test_periods_starts_and_ends_that_are_not_the_accesss_give_no_end(text: str) -> None:
    assert find_time_limit(text, SATURDAY) is None


@pytest.mark.parametrize(("text", "until"), [
    # a start today or already past, and an end: the end (said on Saturday 5 December)
    ("Viewer in Looker from 2026-12-05 to 2026-12-09", "2026-12-09"), ("from Saturday to Monday", "2026-12-07"),
    ("from today to Friday", "2026-12-11"), ("between now and the 20th", "2026-12-20"),
    ("from Dec 1 to Dec 20", "2026-12-20"), ("from the 3rd - the 20th", "2026-12-20"),
    ("from 1 to 20 December", "2026-12-20"), ("from today until Friday", "2026-12-11"),
])
def test_a_span_starting_today_or_before_ends_at_its_end(text: str, until: str) -> None:
    limit = find_time_limit(text, SATURDAY)
    assert limit is not None and limit.problem == "" and limit.until is not None, limit
    assert limit.until.date().isoformat() == until and limit.until.time() == time(23, 59, 59)


@pytest.mark.parametrize("text", [
    # a span starting later (or on a day not read) is never read as access without an end
    "I need Reader in Confluence from the 15th to the 20th", "between Dec 10 and Dec 20", "from 15 to 20 December",
    "Viewer from the 28th to the 5th", "from 01/02 to 12/20", "between Monday and Wednesday",
])
def test_a_span_starting_later_is_asked_about(text: str) -> None:
    limit = find_time_limit(text, SATURDAY)
    assert limit is not None and limit.until is None, limit
    assert limit.problem == "starts later, but access begins once it is granted: say only until when"


@pytest.mark.parametrize("text", ["Reader in Confluence starting Monday", "I need Viewer as of March 1",
                                  "Viewer from tomorrow please", "effective Jan 1 I need Editor",
                                  "Reader starting next week", "Transfer from Jan 5 - need Viewer"])
def test_a_later_start_alone_is_asked_about_not_granted_early(text: str) -> None:
    limit = find_time_limit(text, NOW)
    assert limit is not None and limit.until is None and limit.problem == STARTS_LATER_ALONE, limit
    question = until_question(limit).question
    assert f'"{limit.said}"' in question and "ask again on that day" in question and '"no end date"' in question


@pytest.mark.parametrize(("text", "problem", "said"), [
    ("Viewer in Looker, 2 weeks or so", "is not a length of time I can read", "2 weeks or so"),
    ("Viewer in Looker, a few days", "is not a length of time I can read", "a few days"),
    ("Viewer in Looker, 2-3 days", "is not a length of time I can read", "2-3 days"),
    ("Viewer in Looker, 2h30", "is not a length of time I can read", "2h30"),
    ("Viewer in Looker, 2 weeks until Friday", "gives two different ends", "2 weeks ... until friday"),
    ("Viewer in Looker (2m)", "can mean minutes or months", "2m"),
    ("until Friday of this week", "has already passed", "until friday of this week"),
])
def test_lengths_standing_alone_are_asked_about_as_with_for(text: str, problem: str, said: str) -> None:
    limit = find_time_limit(text, SATURDAY)
    assert limit is not None and (limit.until, limit.problem, limit.said) == (None, problem, said), limit


def test_lengths_standing_alone_read_in_parts_and_a_weekday_of_this_week() -> None:
    parts = find_time_limit("Viewer in Looker, 2 weeks and 3 days", SATURDAY)
    assert parts is not None and parts.until == SATURDAY + timedelta(days=17)
    wednesday = find_time_limit("until Friday of this week", datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    assert wednesday is not None and wednesday.until == _end_of("2026-12-04")


@pytest.mark.parametrize(("text", "now", "until"), [
    ("until Friday of next week", SATURDAY, "2026-12-11"),  # the week from Monday 7 December
    ("until Friday next week", datetime(2026, 12, 2, 9, 0, tzinfo=UTC), "2026-12-11"),  # said on a Wednesday
    ("till Monday of next week", datetime(2026, 12, 7, 9, 0, tzinfo=UTC), "2026-12-14"),  # said on that Monday
    ("until Sunday this week", datetime(2026, 12, 1, 9, 0, tzinfo=UTC), "2026-12-06"),
    # "next Monday" is the Monday of next week, as "Monday of next week" is: said at the weekend, two days later
    ("until next Monday", SATURDAY, "2026-12-07"), ("until next Friday", SATURDAY, "2026-12-11"),
    ("until next Monday", datetime(2026, 12, 6, 9, 0, tzinfo=UTC), "2026-12-07"),  # a Sunday
    ("until next Monday", datetime(2026, 12, 8, 9, 0, tzinfo=UTC), "2026-12-14"),  # a Tuesday: not the 21st
    ("until next Friday", datetime(2026, 12, 7, 9, 0, tzinfo=UTC), "2026-12-18"),  # a Monday
])
def test_a_weekday_of_this_or_next_week_is_that_day_of_that_calendar_week(text: str, now: datetime,
                                                                          until: str) -> None:
    limit = find_time_limit(text, now)
    assert limit is not None and limit.problem == "" and limit.until == _end_of(until), limit
