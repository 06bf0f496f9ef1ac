"""Importing org bundles: all or nothing, errors as file:line, re-import keeps the audit log."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain import Decision
from tests.fakes.bundles import rules_org
from validators.errors import ImportRowError

pytestmark = pytest.mark.integration


def _counts(app) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with app.database.connection() as conn:
        return {table: conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"]
                for table in ("users", "roles", "user_roles", "access_history", "audit_log", "vector_history",
                              "vector_policy")} | {
            "version": conn.execute("SELECT version FROM catalog_meta").fetchone()["version"]}


@pytest.fixture
def loaded(app_factory, tmp_path: Path):  # type: ignore[no-untyped-def]
    app = app_factory()
    folder = rules_org(tmp_path / "org")
    app.import_bundle(folder)
    return app, folder


def _corrupt(folder: Path, file: str, old: str, new: str) -> None:
    path = folder / file
    path.write_text(path.read_text().replace(old, new, 1))


@pytest.mark.parametrize(("file", "old", "new", "expected"), [
    ("users.csv", "ana,ana@corp.test", "ana,not-an-email", "users.csv:3: email"),
    ("users.csv", "rui,rui@corp.test,Rui Costa,active", "rui,rui@corp.test,Rui Costa,retired", "users.csv:4: status"),
    ("users.csv", "Accountant,boss", "Accountant,nobody-here", "unknown manager_id 'nobody-here'"),
    ("roles.csv", "ldg-viewer,ledgerly,Viewer,read only,false", "ldg-viewer,ledgerly,Viewer,read only,maybe",
     "roles.csv:4: privileged"),
    ("roles.csv", "wiki-editor,wikiwiki", "wiki-editor,nowhere", "roles.csv:7: unknown app_id 'nowhere'"),
    ("sod_rules.csv", "ldg-poster,ldg-approver", "ldg-poster,ldg-ghost", "sod_rules.csv:2: unknown role_b"),
    ("eligibility.csv", "ldg-closer,clearance", "ldg-closer,shoe_size", "is not a column of users.csv"),
    ("access_history.csv", "p0,fin1,ldg-viewer,approved", "p0,fin1,ldg-viewer,perhaps", "access_history.csv:2: "),
    ("user_roles.csv", "ana,ldg-poster,2025-01-01", "ana,ldg-poster,yesterday", "user_roles.csv:2: granted_at"),
    ("users.csv", "rui,rui@corp.test", "ana,rui@corp.test", "duplicate user_id 'ana'"),
    ("users.csv", "rui,rui@corp.test", "ANA,rui@corp.test", "users.csv:4: duplicate user_id 'ANA' (first on line 3, "
     "compared ignoring case)"),
    ("user_roles.csv", "2025-01-01,,active", "2025-01-01,,Enabled", "user_roles.csv:2: status: must be one of active"),
    ("prerequisites.csv", "ldg-closer,ldg-viewer", "ldg-closer,ldg-viewer\nldg-viewer,ldg-closer",
     "prerequisites.csv:3: prerequisites go round in a circle (ldg-closer -> ldg-viewer -> ldg-closer)"),
    ("users.csv", "Director,,", "Director,ana,", "managers go round in a circle (ana -> boss -> ana)"),
    ("users.csv", "ana,ana@corp.test,Ana Ferreira,active,employee,Finance,Accountant,boss",
     "ana,ana@corp.test,Ana Ferreira,active,employee,Finance,Accountant,ana",
     "users.csv:3: manager_id is the person themselves"),
    ("applications.csv", "wikiwiki,WikiWiki", "wikiwiki,LEDGERLY", "applications.csv:3: name 'LEDGERLY' is also the "
     "name of ledgerly (line 2)"),
    # an alias may be shared by applications, but not be another's name: "Viewer in LEDGERLY" could mean either
    ("applications.csv", "wikiwiki,WikiWiki,wiki,", "wikiwiki,WikiWiki,wiki|LEDGERLY,", "applications.csv:3: alias "
     "'LEDGERLY' is the name of ledgerly (line 2): a request naming it could mean either"),
    ("roles.csv", "ldg-closer,ledgerly,Period Closer", "ldg-closer,ledgerly,viewer", "roles.csv:5: name 'viewer' is "
     "also the name of ldg-viewer (line 4) in ledgerly"),
    ("user_roles.csv", "ana,ldg-poster,2025-01-01,", "ana,ldg-poster,2025-01-01,2024-12-31",
     "user_roles.csv:2: expires_at is not after granted_at"),
    ("roles.csv", "role_id,app_id,name", "role_id,application,name", "roles.csv:1: missing column(s): app_id"),
    ("users.csv", "Rui Costa,active", "Rui Costa,active,extra", "users.csv:4: expected 11 cells, found 12"),
])
def test_a_bad_row_is_reported_as_file_line_and_nothing_changes(loaded, tmp_path: Path, file: str, old: str,
                                                                 new: str, expected: str) -> None:
    app, folder = loaded
    before = _counts(app)
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    _corrupt(broken, file, old, new)
    with pytest.raises(ImportRowError) as caught:
        app.import_bundle(broken)
    assert expected in str(caught.value)
    assert _counts(app) == before


def test_missing_required_file_and_not_a_folder(app_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = app_factory()
    folder = rules_org(tmp_path / "org")
    (folder / "roles.csv").unlink()
    with pytest.raises(ImportRowError, match="roles.csv:0: required file is missing"):
        app.import_bundle(folder)
    with pytest.raises(ImportRowError, match="not a folder"):
        app.import_bundle(tmp_path / "nowhere")
    assert _counts(app)["users"] == 0


def test_reimport_replaces_the_catalog_and_keeps_the_audit_log(loaded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, folder = loaded
    app.service.handle("ana", "I need Editor in WikiWiki")
    before = _counts(app)
    smaller = tmp_path / "smaller"
    shutil.copytree(folder, smaller)
    rows = (smaller / "roles.csv").read_text().splitlines()
    (smaller / "roles.csv").write_text("\n".join(line for line in rows if not line.startswith("wiki-viewer")) + "\n")
    app.import_bundle(smaller)
    after = _counts(app)
    assert after["roles"] == before["roles"] - 1
    assert after["audit_log"] == before["audit_log"] + 1  # the log kept, with the import on it
    assert after["version"] == before["version"] + 1
    with app.database.connection() as conn:
        last = conn.execute("SELECT event_type, channel, payload FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    assert (last["event_type"], last["channel"]) == ("catalog.imported", "import")
    assert f'"source":"{smaller}"' in last["payload"] and '"roles":' in last["payload"]
    assert "wiki-viewer" not in app.service.vocabulary().catalog.roles


def test_unknown_extra_columns_are_kept_as_attributes(loaded) -> None:  # type: ignore[no-untyped-def]
    app, _ = loaded
    person = app.service.requester("ana", "test", "")
    assert person.attributes["clearance"] == "basic"
    assert person.attributes["cost_center"] == "CC-9"


def test_the_shared_sample_imports(app_factory) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import SAMPLE_ORG

    if not SAMPLE_ORG.exists():
        pytest.skip("no shared sample")
    report = app_factory().import_bundle(SAMPLE_ORG)
    assert (report.users, report.applications, report.roles, report.history) == (60, 9, 34, 400)
    assert report.passages >= report.policies == 8
    assert report.indexed_history == 400


def test_a_grant_without_a_date_is_dated_at_the_import(app_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = app_factory()
    folder = rules_org(tmp_path / "org")
    _corrupt(folder, "user_roles.csv", "rui,ldg-viewer,2025-01-01", "rui,ldg-viewer,")
    app.import_bundle(folder)
    with app.database.connection() as conn:
        row = conn.execute("SELECT granted_at > now() - interval '1 hour' AS recent, holder_department "
                           "FROM user_roles WHERE user_id = 'rui' AND role_id = 'ldg-viewer'").fetchone()
    assert row == {"recent": True, "holder_department": "Finance"}


@pytest.mark.parametrize("policies", ["none", "empty"])
def test_an_org_without_policy_documents_imports_and_decides(app_factory, tmp_path: Path, policies: str) -> None:  # type: ignore[no-untyped-def]
    folder = rules_org(tmp_path / "org")
    shutil.rmtree(folder / "policies")
    if policies == "empty":
        (folder / "policies").mkdir()
    app = app_factory()
    report = app.import_bundle(folder)
    assert (report.policies, report.passages) == (0, 0)
    outcome = app.service.handle("ana", "I need the approver role in Ledgerly").outcome
    assert outcome.reason.value == "SOD_CONFLICT"
    assert not [item for item in outcome.evidence if item.kind == "policy"]
    assert _counts(app)["vector_policy"] == 0


def test_one_bad_row_is_one_problem_not_one_per_reference_to_it(loaded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, folder = loaded
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    users = (broken / "users.csv").read_text().splitlines()
    boss = next(number for number, line in enumerate(users) if line.startswith("boss,"))
    users[boss] = users[boss].replace(",active,", ",retired,", 1)  # the manager of nearly everyone
    (broken / "users.csv").write_text("\n".join(users) + "\n")
    with pytest.raises(ImportRowError) as caught:
        app.import_bundle(broken)
    assert str(caught.value).count("users.csv:") == 1 and "unknown manager_id" not in str(caught.value)


def test_a_failure_after_the_catalog_is_written_says_so_and_importing_again_completes_it(  # type: ignore[no-untyped-def]
        loaded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli.main import _report
    from validators.errors import ImportIncompleteError

    app, folder = loaded
    version = _counts(app)["version"]
    real_rebuild = app.rebuild_indexes

    def index_down(**_: object) -> None:
        raise ConnectionError("the vector index is unreachable")

    monkeypatch.setattr(app, "rebuild_indexes", index_down)
    with pytest.raises(ImportIncompleteError) as caught:
        app.import_bundle(folder)
    assert caught.value.catalog_version == version + 1 == _counts(app)["version"]
    assert "indexing failed" in str(caught.value) and f"askiam import {folder}` again" in str(caught.value)
    assert _report(caught.value) == 1  # a failure, never "nothing was changed" nor a usage error
    assert "import incomplete" in capsys.readouterr().err
    monkeypatch.setattr(app, "rebuild_indexes", real_rebuild)
    assert app.rebuild_indexes().history == _counts(app)["access_history"]
    # The model was fitted for the previous catalog: nothing is approved without a person until a full import.
    stale = app.service.handle("ana", "I need the Viewer role in Ledgerly").outcome
    assert stale.decision is Decision.PENDING_APPROVAL and stale.confidence is None
    assert "The approval confidence is unavailable at the moment" in stale.message
    assert any("before the last import finished" in item.summary for item in stale.evidence)
    ana = app.service.ports.directory.get_person("ana")
    viewer = app.service.vocabulary().catalog.roles["ldg-viewer"]
    assert not app.service.ports.confidence.estimate(ana, viewer).available
    app.import_bundle(folder)
    assert app.service.ports.confidence.estimate(ana, viewer).available


def test_an_interrupted_import_says_what_was_written_and_how_to_complete_it(  # type: ignore[no-untyped-def]
        loaded, monkeypatch: pytest.MonkeyPatch) -> None:
    from validators.errors import ImportIncompleteError

    app, folder = loaded

    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt  # what SIGTERM becomes in the CLI

    monkeypatch.setattr("validators.confidence.fit_from_store", interrupted)
    with pytest.raises(ImportIncompleteError) as caught:
        app.import_bundle(folder)
    assert "fitting the approval confidence was interrupted" in str(caught.value)
    assert f"`askiam import {folder}` again" in str(caught.value)


def test_grants_made_by_approval_survive_a_reimport_unless_the_person_or_role_left(  # type: ignore[no-untyped-def]
        loaded) -> None:
    app, folder = loaded
    pending = app.service.handle("tess", "I need the Viewer role in WikiWiki").outcome
    assert pending.decision is Decision.PENDING_APPROVAL, pending.message
    assert app.approvals.decide(pending.request_id, "boss", True, "ok", "cli").granted
    other = app.service.handle("rui", "I need the Editor role in WikiWiki").outcome
    if other.decision is Decision.PENDING_APPROVAL:
        assert app.approvals.decide(other.request_id, "boss", True, "ok", "cli").granted
    report = app.import_bundle(folder)
    assert report.kept_grants == 2 and report.dropped_grants == 0
    with app.database.connection() as conn:
        kept = conn.execute("SELECT user_id, role_id, source FROM user_roles WHERE source LIKE 'request:%%' "
                            "ORDER BY user_id").fetchall()
    assert [(g["user_id"], g["role_id"]) for g in kept] == [("rui", "wiki-editor"), ("tess", "wiki-viewer")]
    assert app.service.handle("tess", "I need the Viewer role in WikiWiki").outcome.decision \
        is Decision.ALREADY_GRANTED
    # Tess leaves the org, and the Editor role is retired: both grants go, and the import says so.
    for name in ("users.csv", "roles.csv", "user_roles.csv", "access_history.csv"):
        lines = (folder / name).read_text().splitlines()
        (folder / name).write_text("\n".join(line for line in lines if "wiki-editor" not in line and
                                             not line.startswith("tess,") and ",tess," not in line) + "\n")
    report = app.import_bundle(folder)
    assert (report.kept_grants, report.dropped_grants) == (0, 2)


def test_a_header_alone_never_replaces_the_org_with_nothing(loaded) -> None:  # type: ignore[no-untyped-def]
    app, folder = loaded
    before = _counts(app)
    for name in ("users.csv", "roles.csv"):
        header = (folder / name).read_text().splitlines()[0]
        (folder / name).write_text(header + "\n")
    with pytest.raises(ImportRowError) as caught:
        app.import_bundle(folder)
    problems = caught.value.problems
    assert problems[0].startswith("users.csv:2: no rows: an org needs at least one person")
    assert problems[1].startswith("roles.csv:2: no rows: an org needs at least one role")
    assert len(problems) == 2  # no flood of unknown ids, and the note that references wait is not one
    assert caught.value.notes == ["references between the files are checked once roles.csv, users.csv can be read"]
    assert str(caught.value).startswith("2 problems in the bundle; nothing was imported:\n")
    assert _counts(app) == before


@pytest.mark.parametrize(("damage", "expected"), [
    ("unclosed", "roles.csv:{line}: a quoted field starting on this line is never closed"),
    ("runs over", "roles.csv:{line}: a quoted field starting on this line runs over the next lines"),
    ("latin-1", "users.csv:{line}: not UTF-8 text (byte 0xe9;"),
    ("semicolons", "users.csv:1: missing column(s): user_id"),
    ("utf-16", "users.csv:1: UTF-16 text (it starts with a UTF-16 byte-order mark): save it as UTF-8"),
])
def test_files_as_exports_break_them_are_reported_at_their_line_and_change_nothing(  # type: ignore[no-untyped-def]
        loaded, damage: str, expected: str) -> None:
    app, folder = loaded
    before = _counts(app)
    roles = (folder / "roles.csv").read_text().splitlines()
    users = (folder / "users.csv").read_bytes().splitlines()
    line = 4
    if damage == "unclosed":
        roles[line - 1] = roles[line - 1].replace(",Viewer,", ',"Viewer,', 1) if ",Viewer," in roles[line - 1] \
            else roles[line - 1][:-1] + '"x'
        (folder / "roles.csv").write_text("\n".join(roles) + "\n")
    elif damage == "runs over":
        cells = roles[line - 1].split(",")
        roles[line - 1] = ",".join([*cells[:-1], '"' + cells[-1]])
        roles[line] = roles[line] + '"'
        (folder / "roles.csv").write_text("\n".join(roles) + "\n")
    elif damage == "latin-1":
        line = 3
        users[line - 1] = users[line - 1].replace(b"Ferreira", "Férreira".encode("latin-1"), 1)
        (folder / "users.csv").write_bytes(b"\n".join(users) + b"\n")
    elif damage == "utf-16":
        (folder / "users.csv").write_bytes((b"\n".join(users) + b"\n").decode("utf-8").encode("utf-16"))
    else:
        (folder / "users.csv").write_bytes(b"\n".join(row.replace(b",", b";") for row in users) + b"\n")
    with pytest.raises(ImportRowError) as caught:
        app.import_bundle(folder)
    assert caught.value.problems[0].startswith(expected.format(line=line)), caught.value.problems
    if damage == "semicolons":
        assert "separated by semicolons" in caught.value.problems[0]
    assert _counts(app) == before


@pytest.mark.parametrize("damage", ["remove", "bad header"])
def test_a_file_that_cannot_be_read_is_reported_without_the_references_to_it(app_factory, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                             damage: str) -> None:
    app = app_factory()
    folder = rules_org(tmp_path / "org")
    if damage == "remove":
        (folder / "users.csv").unlink()
    else:
        lines = (folder / "users.csv").read_text().splitlines()
        (folder / "users.csv").write_text("\n".join([lines[0].replace("user_id", "userid"), *lines[1:]]) + "\n")
    with pytest.raises(ImportRowError) as raised:
        app.import_bundle(folder)
    problems = raised.value.problems
    assert problems[0].startswith("users.csv:") and len(problems) == 1, problems
    assert str(raised.value).startswith("1 problem in the bundle; nothing was imported:\nusers.csv:")
    assert str(raised.value).endswith("\n(references between the files are checked once users.csv can be read)")


def test_a_second_import_while_one_runs_is_refused_and_changes_nothing(loaded) -> None:  # type: ignore[no-untyped-def]
    from bot.cli.main import _report
    from validators.errors import ImportBusyError
    from validators.importer import one_import_at_a_time

    app, folder = loaded
    before = _counts(app)
    with one_import_at_a_time(app.database), pytest.raises(ImportBusyError) as caught:
        app.import_bundle(folder)
    assert _counts(app) == before
    assert _report(caught.value) == 3  # unavailable: try again
    assert app.import_bundle(folder).catalog_version == before["version"] + 1  # the lock was released


def test_grants_that_break_the_catalogs_own_rules_are_imported_and_counted(  # type: ignore[no-untyped-def]
        app_factory, tmp_path: Path, fresh_database_url: str, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from bot.cli.main import main

    folder = rules_org(tmp_path / "org")
    with (folder / "user_roles.csv").open("a", encoding="utf-8") as handle:
        handle.write("ana,ldg-approver,2025-01-01,,active\n")  # ana holds Journal Poster: the SoD pair
        handle.write("tess,ldg-closer,2025-01-01,,active\n")  # Period Closer needs Viewer, which tess lacks
        handle.write("rui,wiki-editor,2025-01-01,2025-06-30,\n")  # listed as held, ended long ago
    app = app_factory()
    report = app.import_bundle(folder)
    assert (report.sod_breaches, report.prerequisite_breaches, report.ownerless_applications) == (1, 1, 0)
    assert (report.lapsed_grants, report.lapsed_grants_named) == (1, ("rui: wiki-editor ended 2025-06-30 23:59 UTC",))
    assert "Editor" not in app.service.handle("rui", "what access do I have?").outcome.message  # not held
    assert report.sod_breaches_named == ("ana (sod-journal: ldg-poster and ldg-approver)",)
    assert report.prerequisite_breaches_named == ("tess: ldg-closer without ldg-viewer",)
    recorded = _last_import_record(app)
    assert (recorded["sod_breaches"], recorded["sod_breaches_named"]) == (1, [report.sod_breaches_named[0]])
    users = (folder / "users.csv").read_text()
    (folder / "users.csv").write_text(users.replace("own,own@corp.test,Olu Bankole,active",
                                                    "own,own@corp.test,Olu Bankole,inactive"))
    assert app.import_bundle(folder).ownerless_applications == 3  # Olu owns all three applications
    monkeypatch.setenv("ASKIAM_DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("ASKIAM_HOME", str(tmp_path / "home"))
    assert main(["import", str(folder)]) == 0
    shown = capsys.readouterr().out
    assert "warning: the imported grants break the catalog's own rules (imported as they are;" in shown
    assert ("\n  1 person holds both roles of a segregation-of-duties rule: ana (sod-journal: ldg-poster and "
            "ldg-approver)\n  1 grant lacks a prerequisite: tess: ldg-closer without ldg-viewer\n") in shown
    assert ("warning: 1 grant is listed as held but already ended (not held: requests for them are decided as for "
            "anyone without them): rui: wiki-editor ended 2025-06-30 23:59 UTC\n") in shown
    assert ("warning: 3 applications have no active owner: AskIAM (askiam, owner own is inactive); Ledgerly "
            "(ledgerly, owner own is inactive); WikiWiki (wikiwiki, owner own is inactive); their requests") in shown


def _add_grant(folder: Path, row: str) -> None:
    with (folder / "user_roles.csv").open("a", encoding="utf-8") as handle:
        handle.write(row + "\n")


def _extended_by_approval(app, tmp_path: Path, status: str = "active"):  # type: ignore[no-untyped-def]
    """Tess holds Editor in WikiWiki until ten days from now in the bundle, and an approver extends it to 60 days;
    the bundle (not yet updated) then lists the old grant with `status`."""
    folder = rules_org(tmp_path / "org")
    ends = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    _add_grant(folder, f"tess,wiki-editor,2025-01-01,{ends},active")
    app.import_bundle(folder)
    extension = app.service.handle("tess", "I need the Editor role in WikiWiki for 60 days").outcome
    if extension.decision is Decision.PENDING_APPROVAL:
        assert app.approvals.decide(extension.request_id, "boss", True, "engagement extended", "cli").granted
    else:
        assert extension.decision is Decision.APPROVED, extension.message
    assert extension.access_until is not None
    _corrupt(folder, "user_roles.csv", f"tess,wiki-editor,2025-01-01,{ends},active",
             f"tess,wiki-editor,2025-01-01,{ends},{status}")
    return folder, ends, extension


def _grant(app, user_id: str, role_id: str):  # type: ignore[no-untyped-def]
    with app.database.connection() as conn:
        return conn.execute("SELECT expires_at, status, source FROM user_roles WHERE user_id = %s AND role_id = %s",
                            (user_id, role_id)).fetchone()


def _last_import_record(app) -> dict:  # type: ignore[no-untyped-def,type-arg]
    import json

    with app.database.connection() as conn:
        row = conn.execute("SELECT payload FROM audit_log WHERE event_type = 'catalog.imported' "
                           "ORDER BY seq DESC LIMIT 1").fetchone()
    return json.loads(row["payload"])["details"]  # type: ignore[no-any-return]


def test_a_reimport_keeps_an_extension_approved_since_the_older_grant_the_bundle_lists(  # type: ignore[no-untyped-def]
        app_factory, tmp_path: Path, fresh_database_url: str, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from bot.cli.main import main

    app = app_factory()
    folder, ends, extension = _extended_by_approval(app, tmp_path)
    report = app.import_bundle(folder)
    grant = _grant(app, "tess", "wiki-editor")
    assert (grant["expires_at"], grant["source"]) == (extension.access_until, f"request:{extension.request_id}")
    assert (report.kept_grants, report.reverted_grants, report.dropped_grants) == (1, 0, 0)
    [kept] = report.kept_named
    assert (kept.request_id, kept.user_id, kept.role_id) == (extension.request_id, "tess", "wiki-editor")
    assert kept.until == f"{extension.access_until:%Y-%m-%d %H:%M} UTC"
    assert kept.bundle == f"until {ends} 23:59 UTC, recorded 2025-01-01 00:00 UTC"
    recorded = _last_import_record(app)
    assert recorded["kept_grants"] == 1 and recorded["kept_named"][0]["request_id"] == extension.request_id
    monkeypatch.setenv("ASKIAM_DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("ASKIAM_HOME", str(tmp_path / "home"))
    assert main(["import", str(folder)]) == 0
    assert (f"  1 kept (not in the bundle, or it lists an older grant that ends sooner): {extension.request_id} "
            f"(tess, wiki-editor, until {kept.until}; the bundle: until {ends} 23:59 UTC") in capsys.readouterr().out


@pytest.mark.parametrize("bundle_says", ["revoked", "recorded after the approval"])
def test_a_reimport_reverts_an_extension_the_bundle_revoked_or_recorded_since_and_names_it(  # type: ignore[no-untyped-def]
        app_factory, tmp_path: Path, bundle_says: str) -> None:
    app = app_factory()
    folder, ends, extension = _extended_by_approval(app, tmp_path, "revoked" if bundle_says == "revoked" else "active")
    if bundle_says != "revoked":
        # The approval was made in June; the system of record recorded its own (shorter) grant in July.
        with app.database.connection() as conn:
            conn.execute("UPDATE user_roles SET granted_at = '2025-06-01' WHERE user_id = 'tess' "
                         "AND role_id = 'wiki-editor'")
        _corrupt(folder, "user_roles.csv", "tess,wiki-editor,2025-01-01,", "tess,wiki-editor,2025-07-01,")
    report = app.import_bundle(folder)
    grant = _grant(app, "tess", "wiki-editor")
    assert grant["source"] == "import" and grant["expires_at"] < extension.access_until
    assert grant["status"] == ("revoked" if bundle_says == "revoked" else "active")
    assert (report.kept_grants, report.reverted_grants) == (0, 1)
    [reverted] = report.reverted_named
    assert (reverted.request_id, reverted.user_id, reverted.role_id) == (extension.request_id, "tess", "wiki-editor")
    assert reverted.bundle == ("revoked" if bundle_says == "revoked"
                               else f"until {ends} 23:59 UTC, recorded 2025-07-01 00:00 UTC")
    recorded = _last_import_record(app)
    assert recorded["reverted_grants"] == 1 and recorded["reverted_named"][0]["request_id"] == extension.request_id
