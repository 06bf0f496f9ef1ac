"""The web chat in headless Chromium against the local server: a denial with its reason, a clarification, a
conversation that outlives a reload and its own turn limit, long and right-to-left text, and a failed send that
keeps what was typed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.conversation import MAX_TURNS
from tests.e2e.conftest import CHROMIUM, TIMEOUT_MS
from tests.fakes.bundles import rules_org

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium "
                                                     "(apt-get install -y chromium)"),
]


@pytest.fixture
def rules_app(app_factory, tmp_path: Path, request):  # type: ignore[no-untyped-def]
    """The served application (tests/e2e/conftest.py): the rules org, with the settings a test parametrizes
    indirectly (e.g. a rate limit of one request a minute)."""
    application = app_factory(**getattr(request, "param", {}))
    application.import_bundle(rules_org(tmp_path / "org"))
    return application


@pytest.fixture
def page(browser, server_url: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1100, "height": 900}, service_workers="block")
    # Nothing but the local server: the page must work offline.
    context.route(re.compile(r"^(?!http://127\.0\.0\.1:)"), lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server_url + "/")
    page.wait_for_selector("#user option[value='ana']", state="attached")
    yield page
    context.close()
    assert not errors, f"the page raised: {errors}"


def _ask(page, text: str, count: int):  # type: ignore[no-untyped-def]
    """Type a message, send it with Enter, and return the `count`-th decision bubble once it shows."""
    page.fill("#text", text)
    page.press("#text", "Enter")
    bubble = page.locator(".decision").nth(count - 1)
    bubble.wait_for()
    return bubble


def test_a_segregation_of_duties_request_shows_denied_with_its_reason(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    picker = page.locator("#user")
    assert "Accountant" in picker.locator("option[value='ana']").inner_text()
    picker.select_option("ana")

    bubble = _ask(page, "I need the approver role in Ledgerly", 1)

    assert bubble.get_attribute("data-decision") == "DENIED"
    badge = bubble.locator(".badge")
    assert badge.inner_text().strip().upper() == "DENIED"
    assert "badge-denied" in (badge.get_attribute("class") or "")
    assert bubble.locator(".reason-code").get_attribute("data-reason") == "SOD_CONFLICT"
    reason = bubble.locator(".reasons li[data-check='NO_SOD_CONFLICT']")
    assert "Segregation of duties" in reason.inner_text()
    assert "Journal Poster in Ledgerly" in reason.inner_text()  # the role as people know it, not its id
    assert "segregation-of-duties" in bubble.locator(".message").inner_text()
    policy = bubble.locator(".evidence .evidence-policy")
    assert policy.count() >= 1 and "Ledger Duties" in policy.first.inner_text()
    # The page shows the badge in red: the colour a person reads as a refusal.
    colour = badge.evaluate("node => getComputedStyle(node).color")
    assert colour == "rgb(192, 38, 45)"

    shot = tmp_path / "web-chat-denied.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_a_clarification_offers_candidates_and_a_click_answers_it(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page.locator("#user").select_option("ana")

    question = _ask(page, "I need viewer access", 1)

    assert question.get_attribute("data-decision") == "NEEDS_CLARIFICATION"
    assert question.locator(".badge").inner_text().strip().upper() == "NEEDS CLARIFICATION"
    buttons = question.locator(".candidates button")
    labels = [text.strip() for text in buttons.all_inner_texts()]
    assert any(label.endswith("WikiWiki") for label in labels) and any(label.endswith("Ledgerly") for label in labels)

    page.screenshot(path=str(tmp_path / "web-chat-clarification.png"), full_page=True)
    wiki = buttons.filter(has_text="WikiWiki")
    number = wiki.get_attribute("data-number")
    wiki.click()

    answer = page.locator(".decision").nth(1)
    answer.wait_for()
    assert page.locator(".bubble-user").last.inner_text().strip() == number
    assert answer.get_attribute("data-decision") in {"PENDING_APPROVAL", "APPROVED"}
    assert "Viewer in WikiWiki" in answer.locator(".message").inner_text()
    assert buttons.first.is_disabled()  # an answered question's buttons cannot be sent twice

    shot = tmp_path / "web-chat-answered.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_an_answer_that_files_nothing_is_badged_as_an_answer_without_an_id_of_its_own(page) -> None:  # type: ignore[no-untyped-def]
    page.locator("#user").select_option("ana")
    filed = _ask(page, "I need the Journal Approver role in Ledgerly", 1)
    request_id = filed.locator(".request-id").inner_text().strip()
    assert re.fullmatch(r"R-\d+", request_id)
    status = _ask(page, f"status of {request_id}", 2)
    assert status.get_attribute("data-answer") == "true"
    assert status.locator(".badge").inner_text().strip().upper() == "ANSWER"
    assert status.locator(".request-id").count() == 0  # only the id the answer speaks of
    assert request_id in status.locator(".message").inner_text()
    question = _ask(page, "I need access to WikiWiki", 3)  # a question still reads as one
    assert question.locator(".badge").inner_text().strip().upper() == "NEEDS CLARIFICATION"


def test_anyone_can_be_chatted_as_by_id_listed_or_not(page, server_url: str, rules_app) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    def last_requester() -> str:
        with rules_app.database.connection() as conn:
            row = conn.execute("SELECT requester_id FROM requests ORDER BY created_at DESC LIMIT 1").fetchone()
        return str(row["requester_id"])

    assert page.locator("#user option[value='rui']").count() == 0  # past the people the list offers
    page.locator("#user").select_option(label="Someone else (type a user id)")
    expect(page.locator("#user-other")).to_be_visible()
    page.fill("#user-other", "rui")
    page.press("#user-other", "Enter")
    _ask(page, "I need Editor in WikiWiki", 1)
    assert last_requester() == "rui"

    page.goto(server_url + "/?as=tess")  # as the demo's suggestions name people: by id
    expect(page.locator("#user-other")).to_have_value("tess")
    _ask(page, "I need the Viewer role in Ledgerly", 1)
    assert last_requester() == "tess"


def _stored(page) -> dict:  # type: ignore[no-untyped-def]
    """What the tab keeps for the person chatted as (sessionStorage)."""
    return page.evaluate("() => JSON.parse(sessionStorage.getItem('askiam.chat.' + document.getElementById('user')"
                         ".value) || 'null')")


def test_the_page_asks_in_general_words_names_people_whole_and_has_an_icon(page, server_url: str,  # type: ignore[no-untyped-def]
                                                                          rules_app) -> None:
    # The placeholder once named an application the demo org has not got ("... Analyst role in Workday").
    placeholder = page.locator("#text").get_attribute("placeholder") or ""
    assert placeholder == "Ask for a role in an application, in your own words"
    # The picker is as wide as its longest entry, not cut at 340 px as "Hannah Bergström (hbergstrom), Payroll
    # Accoun" was in the demo org.
    with rules_app.database.connection() as conn:
        conn.execute("UPDATE users SET title = 'Senior Payroll and Compensation Accountant' WHERE user_id = 'ana'")
    page.reload()
    page.wait_for_selector("#user option[value='ana']", state="attached")
    fits = page.evaluate("""() => {
        const picker = document.getElementById('user');
        const probe = document.createElement('span');
        probe.style.font = getComputedStyle(picker).font;
        probe.style.whiteSpace = 'pre';
        probe.style.position = 'absolute';
        document.body.appendChild(probe);
        const widths = [...picker.options].map((option) => {
            probe.textContent = option.text;
            return probe.offsetWidth;
        });
        probe.remove();
        return { text: Math.max(...widths), box: picker.clientWidth };
    }""")
    assert fits["text"] + 16 <= fits["box"], fits  # 16: the select's own padding
    assert page.locator("link[rel=icon]").get_attribute("href") == "/favicon.svg"
    for path in ("/favicon.svg", "/favicon.ico"):  # browsers ask for /favicon.ico regardless: no 404
        response = page.request.get(server_url + path)
        assert (response.status, response.headers["content-type"]) == (200, "image/svg+xml")


def test_a_reload_continues_the_conversation_and_new_starts_afresh(page, server_url: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.locator("#user").select_option("ana")
    question = _ask(page, "I need viewer access", 1)
    assert question.get_attribute("data-decision") == "NEEDS_CLARIFICATION"
    conversation = _stored(page)["conversation_id"]

    page.reload()
    page.wait_for_selector("#user option[value='ana']", state="attached")
    expect(page.locator("#user")).to_have_value("ana")  # still chatting as Ana
    expect(page.locator(".decision")).to_have_count(1)
    expect(page.locator(".bubble-user")).to_have_text(["I need viewer access"])
    wiki = page.locator(".decision .candidates button").filter(has_text="WikiWiki")
    expect(wiki).to_be_enabled()  # the open question can still be answered
    wiki.click()
    answer = page.locator(".decision").nth(1)
    answer.wait_for()
    assert "Viewer in WikiWiki" in answer.locator(".message").inner_text()  # answered in the same conversation
    assert _stored(page)["conversation_id"] == conversation

    # Another person sees their own (empty) conversation, and Ana's comes back with her.
    page.locator("#user").select_option("boss")
    expect(page.locator(".decision")).to_have_count(0)
    page.locator("#user").select_option("ana")
    expect(page.locator(".decision")).to_have_count(2)

    page.locator("#restart").click()
    expect(page.locator(".decision")).to_have_count(0)
    expect(page.locator(".note").last).to_have_text("New conversation.")
    assert _stored(page) is None  # nothing of it kept
    page.reload()
    page.wait_for_selector("#user option[value='ana']", state="attached")
    expect(page.locator("#user")).to_have_value("ana")
    expect(page.locator(".note")).to_have_text(["Chatting as " + page.locator("#user option[value='ana']").inner_text()
                                                + ". New conversation."])
    expect(page.locator(".decision")).to_have_count(0)


def test_a_conversation_at_its_turn_limit_carries_on_in_a_new_one(page, rules_app) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    def conversations() -> list[str]:
        with rules_app.database.connection() as conn:
            rows = conn.execute("SELECT conversation_id FROM conversations WHERE requester_id = 'ana' "
                                "ORDER BY updated_at").fetchall()
        return [row["conversation_id"] for row in rows]

    page.locator("#user").select_option("ana")
    _ask(page, "I need viewer access", 1)
    [first] = conversations()
    with rules_app.database.connection() as conn:  # as if the conversation had had its MAX_TURNS turns
        conn.execute("UPDATE conversations SET state = jsonb_set(state, '{turns}', to_jsonb(%s::int)) "
                     "WHERE conversation_id = %s", (MAX_TURNS, first))

    answer = _ask(page, "I need Editor in WikiWiki", 2)

    assert answer.get_attribute("data-decision") in {"PENDING_APPROVAL", "APPROVED"}
    assert "Editor in WikiWiki" in answer.locator(".message").inner_text()
    expect(page.locator(".bubble-error")).to_have_count(0)  # no CONVERSATION_TOO_LONG shown
    expect(page.locator(".note").last).to_contain_text("started a new conversation")
    expect(page.locator(".bubble-user")).to_have_count(2)  # the message once, though sent twice
    assert conversations()[0] == first and len(conversations()) == 2  # answered in a new conversation


def test_long_and_right_to_left_text(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.locator("#user").select_option("ana")
    counter = page.locator("#counter")
    expect(counter).to_be_hidden()
    pasted = "I need Viewer in WikiWiki because " + "x" * 5_402  # 5,436 characters, as a tester pasted
    page.fill("#text", pasted)
    assert len(page.locator("#text").input_value()) == 5_436  # nothing cut without a word
    expect(counter).to_be_visible()
    expect(counter).to_have_text("5,436 / 4,000 characters: 1,436 too many. Shorten the message to send it.")
    page.press("#text", "Enter")
    expect(page.locator(".bubble-user")).to_have_count(0)  # not sent, and still there to shorten
    assert len(page.locator("#text").input_value()) == 5_436
    page.fill("#text", "y" * 3_700)
    expect(counter).to_have_text("3,700 / 4,000 characters")
    page.fill("#text", "short")
    expect(counter).to_be_hidden()

    word = "Z" * 300
    _ask(page, word, 1)
    spill = page.locator(".bubble-user").first.evaluate(
        "node => ({ over: node.scrollWidth - node.clientWidth, right: node.getBoundingClientRect().right, "
        "log: document.getElementById('log').getBoundingClientRect().right })")
    assert spill["over"] <= 0 and spill["right"] <= spill["log"], spill

    arabic = "أحتاج إلى دور القارئ في ويكي"
    page.fill("#text", arabic)
    assert page.locator("#text").evaluate("node => node.matches(':dir(rtl)')")
    _ask(page, arabic, 2)
    bubble = page.locator(".bubble-user").nth(1)
    assert bubble.evaluate("node => node.matches(':dir(rtl)')")
    assert page.locator(".decision .message").first.evaluate("node => node.matches(':dir(ltr)')")
    page.screenshot(path=str(tmp_path / "web-chat-long-and-rtl.png"), full_page=True)


@pytest.mark.parametrize("rules_app", [{"rate_limit_per_minute": 1}], indirect=True)
def test_typed_text_is_kept_when_the_send_fails(page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.locator("#user").select_option(label="Someone else (type a user id)")
    page.fill("#text", "I need Editor in WikiWiki")
    page.press("#text", "Enter")
    expect(page.locator(".note-warn")).to_have_text("Type the user id you chat as first.")
    expect(page.locator("#text")).to_have_value("I need Editor in WikiWiki")

    page.locator("#user").select_option("ana")
    _ask(page, "I need Editor in WikiWiki", 1)
    expect(page.locator("#text")).to_have_value("")  # sent and answered: emptied
    page.fill("#text", "I need Viewer in Ledgerly")
    page.press("#text", "Enter")  # the second request this minute, over the limit of one
    expect(page.locator(".bubble-error .badge")).to_have_text("RATE_LIMITED")
    expect(page.locator("#text")).to_have_value("I need Viewer in Ledgerly")
