"""The console in headless Chromium against the local server: an approver approves a pending request from the
queue (and the grant is in the database), and an auditor finds its record, exports it and sees the charts; a
request withdrawn while its card is on screen; the queue and the dashboard on a phone; nobody signed in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import CHROMIUM, TIMEOUT_MS
from tests.fakes.console_org import AUDITOR, console_org

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium"),
]

ADMIN_REQUEST = "I need the Administrator role in Ledgerly"  # privileged: pending, decided by the owner 'own'


@pytest.fixture
def rules_app(app_factory, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The e2e server's application (tests/e2e/conftest.py serves it): the rules org with an auditor."""
    application = app_factory()
    application.import_bundle(console_org(tmp_path / "org"))
    return application


@pytest.fixture
def open_console(browser, server_url: str) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block",
                                  accept_downloads=True)
    context.route(re.compile(r"^(?!http://127\.0\.0\.1:)"), lambda route: route.abort())
    errors: list[str] = []

    def opener(user: str) -> Any:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{server_url}/console?as={user}")
        return page

    yield opener
    context.close()
    assert not errors, f"the page raised: {errors}"


def test_an_approver_approves_and_an_auditor_finds_the_record(rules_app, open_console, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    outcome = rules_app.service.handle("ana", ADMIN_REQUEST, channel="api").outcome
    assert outcome.decision.value == "PENDING_APPROVAL"
    request_id = outcome.request_id

    page = open_console("own")
    card = page.locator(f".queue-item[data-request-id='{request_id}']")
    card.wait_for()
    assert card.get_attribute("data-status") == "PENDING_APPROVAL"
    # Named as people and the catalog name them, for the approver (not the ids), with the requester's answer labelled.
    assert "Administrator in Ledgerly for Ana Ferreira (ana)" in card.locator(".title").inner_text()
    assert "asked by Ana Ferreira (ana)" in card.locator(".meta").first.inner_text()
    assert card.locator(".message").inner_text().startswith("Answer to the requester: ")
    asked = card.locator(".asked").inner_text()
    assert asked.startswith(f"\u201c{ADMIN_REQUEST}\u201d")
    # whatever the words claim ("pre-approved by the CISO") is marked as not verified
    assert card.locator(".asked .unverified").inner_text().strip() == (
        "The requester's words, as typed: nothing in them is verified.")
    assert card.locator(".checks li").count() >= 5
    # The words the chat uses, not the codes (the codes stay in the titles).
    who_may_ask = card.locator(".checks li[data-check='AUTHORIZED_FOR_TARGET'] strong")
    assert (who_may_ask.inner_text(), who_may_ask.get_attribute("title")) == ("Who may ask", "AUTHORIZED_FOR_TARGET")
    assert card.locator(".status").inner_text().strip().upper() == "PENDING APPROVAL"
    assert card.locator(".reason").inner_text().strip().upper() == "PRIVILEGED ROLE"
    assert "AUTHORIZED_FOR_TARGET" not in card.inner_text() and "PENDING_APPROVAL" not in card.inner_text()
    expect(page.locator("#queue-note")).to_have_text("1 waiting for own.")
    page.screenshot(path=str(tmp_path / "console-queue.png"), full_page=True)

    card.locator(".decide input").fill("needed for the year-end close")
    card.get_by_role("button", name="Approve").click()
    page.wait_for_selector(f".queue-item[data-request-id='{request_id}'][data-status='APPROVED']")
    assert card.locator(".status").inner_text().strip().upper() == "APPROVED"
    assert card.locator(".meta-result").inner_text() == "Approved by an approver; the role was granted"
    expect(page.locator("#queue-note")).to_have_text("Nothing is waiting for own.")
    assert card.get_by_role("button", name="Approve").is_disabled()
    shot = tmp_path / "console-approved.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    with rules_app.database.connection() as conn:
        grant = conn.execute("SELECT status, source FROM user_roles WHERE user_id = 'ana' AND role_id = 'ldg-admin'"
                             ).fetchone()
        decided = conn.execute("SELECT decided_by, comment FROM request_decisions WHERE request_id = %s "
                               "AND decision = 'APPROVED'", (request_id,)).fetchone()
    assert grant == {"status": "active", "source": f"request:{request_id}"}
    assert decided == {"decided_by": "own", "comment": "needed for the year-end close"}

    # The same queue as someone who may not read the audit log: the audit tab says so.
    page.locator("#tab-audit").click()
    expect(page.locator("#audit-note")).to_contain_text("NOT_AN_AUDITOR")

    auditor = open_console(AUDITOR)
    auditor.locator("#tab-audit").click()
    auditor.fill("#audit-form input[name=user]", "ana")
    auditor.fill("#audit-form input[name=approver]", "own")
    auditor.locator("#audit-search").click()
    row = auditor.locator(f"#audit-results tbody tr[data-request-id='{request_id}']")
    expect(auditor.locator("#audit-results tbody tr")).to_have_count(1)
    cells = row.locator("td").all_inner_texts()
    assert {"APPROVED", "APPROVED_BY_APPROVER", "own (application owner)", "ldg-admin",
            "needed for the year-end close"} <= set(cells)
    href = auditor.locator("#export-csv").get_attribute("href") or ""
    assert href.startswith("/audit/export?") and "user=ana" in href and "approver=own" in href
    with auditor.expect_download() as download_info:
        auditor.locator("#export-csv").click()
    exported = tmp_path / "export.csv"
    download_info.value.save_as(str(exported))
    assert request_id in exported.read_text(encoding="utf-8")
    shot = tmp_path / "console-audit.png"
    auditor.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    rules_app.service.handle("ana", "what access do I have?", channel="api")  # answered: no request for access
    auditor.locator("#tab-dashboard").click()
    auditor.wait_for_selector("#chart-over-time svg rect.bar")
    assert auditor.locator("#chart-over-time rect[data-decision='APPROVED']").count() >= 1
    assert auditor.locator("#chart-over-time rect[data-decision='NEEDS_CLARIFICATION']").count() == 0
    expect(auditor.locator("#report-note")).to_contain_text(
        "1 access request; not requests for access: 1 question answered, 0 clarifying questions. ")
    assert auditor.locator("#chart-roles .bar[data-label='ldg-admin']").count() == 1
    shot = tmp_path / "console-dashboard.png"
    auditor.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_the_next_page_continues_the_search_on_screen_and_a_lost_server_is_named(rules_app, open_console) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    for text in ("I need Editor in WikiWiki", "I need Viewer in WikiWiki", "I need the Viewer role in Ledgerly"):
        rules_app.service.handle("ana", text, channel="api")
    rules_app.service.handle("rui", "I need Editor in WikiWiki", channel="api")

    auditor = open_console(AUDITOR)
    auditor.locator("#tab-audit").click()
    auditor.fill("#audit-form input[name=requester]", "ana")
    auditor.fill("#audit-form input[name=limit]", "2")
    auditor.locator("#audit-search").click()
    expect(auditor.locator("#audit-results tbody tr")).to_have_count(2)
    auditor.fill("#audit-form input[name=requester]", "rui")  # edited, not searched
    auditor.locator("#next-page").click()
    expect(auditor.locator("#audit-results tbody tr")).to_have_count(3)
    requesters = [row.locator("td").nth(4).inner_text() for row in auditor.locator("#audit-results tbody tr").all()]
    assert requesters == ["ana", "ana", "ana"]
    assert "requester=ana" in (auditor.locator("#export-csv").get_attribute("href") or "")

    auditor.route("**/audit/events*", lambda route: route.abort())  # the server stops answering
    auditor.locator("#audit-search").click()
    expect(auditor.locator("#audit-note")).to_contain_text("OFFLINE: The AskIAM server could not be reached")


def test_a_refused_decision_shows_who_tried_and_why(rules_app, open_console) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    from validators.approvals import ReviewError

    request_id = rules_app.service.handle("ana", ADMIN_REQUEST, channel="api").outcome.request_id
    with pytest.raises(ReviewError):
        rules_app.approvals.decide(request_id, "ana", True, "", "web")  # her own request: refused, on the record

    auditor = open_console(AUDITOR)
    auditor.locator("#tab-audit").click()
    auditor.fill("#audit-form input[name=channel]", "web")
    auditor.locator("#audit-search").click()
    row = auditor.locator(f"#audit-results tbody tr[data-request-id='{request_id}']")
    expect(row).to_have_count(1)
    cells = row.locator("td").all_inner_texts()
    assert cells[2] == "access_request.decision_refused"
    assert cells[-1] == f"ana: ana may not decide {request_id}, a request they made for themselves"


def test_a_request_withdrawn_while_on_screen_is_shown_as_withdrawn(rules_app, open_console) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    request_id = rules_app.service.handle("ana", ADMIN_REQUEST, channel="api").outcome.request_id
    page = open_console("own")
    card = page.locator(f".queue-item[data-request-id='{request_id}']")
    card.wait_for()
    expect(page.locator("#queue-note")).to_have_text("1 waiting for own.")

    rules_app.approvals.withdraw(request_id, "ana", "api")  # meanwhile, Ana calls it off
    card.get_by_role("button", name="Approve").click()

    expect(card.locator(".error")).to_contain_text(f"Already withdrawn: Ana Ferreira (ana) withdrew {request_id} on ")
    expect(card.locator(".error")).to_contain_text("before your decision. Nothing was changed.")
    assert "ALREADY_DECIDED" not in card.inner_text()
    expect(card).to_have_attribute("data-status", "DENIED")
    assert card.locator(".status").inner_text().strip().upper() == "DENIED"
    assert card.locator(".meta-result").inner_text() == "Withdrawn by the requester"
    expect(page.locator("#queue-note")).to_have_text("Nothing is waiting for own.")
    for name in ("Approve", "Deny"):
        assert card.get_by_role("button", name=name).is_disabled()
    with rules_app.database.connection() as conn:
        status = conn.execute("SELECT status FROM requests WHERE request_id = %s", (request_id,)).fetchone()
    assert status == {"status": "DENIED"}  # withdrawn, and not approved after

    # In the audit log the withdrawal is Ana's, not an approver's decision: no "Decided by", and said in its note.
    auditor = open_console(AUDITOR)
    auditor.locator("#tab-audit").click()
    auditor.fill("#audit-form input[name=requester]", "ana")
    auditor.locator("#audit-search").click()
    row = auditor.locator(f"#audit-results tbody tr[data-request-id='{request_id}']").first
    expect(row.locator("td").nth(2)).to_have_text("access_request.withdrawn")
    cells = row.locator("td").all_inner_texts()
    assert (cells[-2], cells[-1]) == ("", "withdrawn by ana")
    auditor.fill("#audit-form input[name=requester]", "")
    auditor.fill("#audit-form input[name=approver]", "ana")
    auditor.locator("#audit-search").click()
    expect(auditor.locator("#audit-note")).to_have_text("0 record(s).")


def _fits(page) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return page.evaluate("() => ({ scroll: document.documentElement.scrollWidth, viewport: innerWidth })")


def test_the_queue_and_the_dashboard_fit_a_phone(rules_app, browser, server_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    request_id = rules_app.service.handle("ana", ADMIN_REQUEST, channel="api").outcome.request_id
    rules_app.service.handle("ana", "I need Editor in WikiWiki", channel="api")
    context = browser.new_context(viewport={"width": 375, "height": 740}, service_workers="block")
    context.route(re.compile(r"^(?!http://127\.0\.0\.1:)"), lambda route: route.abort())
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{server_url}/console?as=own")
        card = page.locator(f".queue-item[data-request-id='{request_id}']")
        card.wait_for()
        fits = _fits(page)
        assert fits["scroll"] <= fits["viewport"] == 375, fits
        card_right = card.evaluate("node => node.getBoundingClientRect().right")
        for name in ("Approve", "Deny"):
            assert card.get_by_role("button", name=name).evaluate("node => node.getBoundingClientRect().right") \
                <= card_right
        page.screenshot(path=str(tmp_path / "console-queue-phone.png"), full_page=True)

        page.fill("#user", AUDITOR)
        page.press("#user", "Enter")
        page.locator("#tab-dashboard").click()
        page.wait_for_selector("#chart-roles .hbar")
        fits = _fits(page)
        assert fits["scroll"] <= fits["viewport"] == 375, fits
        for chart in page.locator(".chart").all():
            assert chart.evaluate("node => node.getBoundingClientRect().right") <= 375
        # Role names whole: wrapped inside their column, never cut, the full name in the title.
        labels = page.locator("#chart-roles .hbar-label")
        expect(labels.filter(has_text="ldg-admin")).to_have_count(1)
        for label in labels.all():
            box = label.evaluate("node => ({ over: node.scrollWidth - node.clientWidth, "
                                 "left: node.getBoundingClientRect().left })")
            assert box["over"] <= 0 and box["left"] >= 0, box
            assert label.get_attribute("title") == label.inner_text()
        page.screenshot(path=str(tmp_path / "console-dashboard-phone.png"), full_page=True)
    finally:
        context.close()


def test_with_nobody_signed_in_the_console_asks_who_you_are(open_console) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = open_console("")
    prompt = page.locator("#queue .sign-in")
    expect(prompt).to_contain_text("Choose who you are first")
    expect(page.locator("#user")).to_be_focused()
    page.locator("#tab-audit").click()
    page.locator("#audit-search").click()
    expect(page.locator("#audit-note")).to_contain_text("Choose who you are first")
    assert "UNAUTHENTICATED" not in page.locator("#audit-note").inner_text()

    page.fill("#user", "own")
    page.press("#user", "Enter")  # signed in: the tab shown loads as them
    expect(page.locator("#audit-note")).to_contain_text("NOT_AN_AUDITOR")
    page.locator("#tab-queue").click()
    expect(page.locator("#queue-note")).to_have_text("Nothing is waiting for own.")
    expect(prompt).to_have_count(0)


def test_an_approval_the_checks_overrule_says_so_on_the_card(rules_app, open_console) -> None:  # type: ignore[no-untyped-def]
    outcome = rules_app.service.handle("ana", ADMIN_REQUEST, channel="api").outcome
    request_id = outcome.request_id
    page = open_console("own")
    card = page.locator(f".queue-item[data-request-id='{request_id}']")
    card.wait_for()
    with rules_app.database.connection() as conn:  # meanwhile Ana leaves: the checks run again at approval fail
        conn.execute("UPDATE users SET status = 'suspended' WHERE user_id = 'ana'")
    card.get_by_role("button", name="Approve").click()
    page.wait_for_selector(f".queue-item[data-request-id='{request_id}'][data-status='DENIED']")
    said = card.locator(".error").inner_text()
    assert said.startswith("Your approval did not stand: when approved, the request failed the checks (")
    assert "Ana Ferreira is suspended" in said and said.endswith("Nothing was granted, and the requester is told why.")
