"""The examples the answers give come from the org's own catalog, and each is understood as written there."""

from __future__ import annotations

import random

import pytest

from bot.domain import Application, Role
from bot.ports import Catalog
from bot.understanding.examples import Examples
from bot.understanding.resolver import CatalogVocabulary, resolve_app_and_role
from bot.understanding.small_talk import help_answer


def _catalog(apps: dict[str, list[tuple[str, bool]]]) -> Catalog:
    applications = {f"a{i}": Application(app_id=f"a{i}", name=name) for i, name in enumerate(apps)}
    roles = {f"a{i}-r{j}": Role(role_id=f"a{i}-r{j}", app_id=f"a{i}", name=role, privileged=privileged)
             for i, (_, app_roles) in enumerate(apps.items()) for j, (role, privileged) in enumerate(app_roles)}
    return Catalog(1, applications, roles)


def _named(vocabulary: CatalogVocabulary, text: str) -> str | None:
    _, role, _, question = resolve_app_and_role(vocabulary.words_of(text), vocabulary)
    return f"{role.name} in {vocabulary.catalog.applications[role.app_id].name}" if role and not question else None


def test_an_everyday_role_with_a_short_name_is_the_example_and_a_sibling_goes_with_an_end() -> None:
    vocabulary = CatalogVocabulary.build(_catalog({
        "Imaging Archive": [("Radiologist", False), ("Reader", False), ("Archive Admin", True)],
        "Pharmacy Dispensing": [("Pharmacist", False), ("Restock Technician", False)],
    }))
    assert vocabulary.examples == Examples(
        request="I need the Reader role in Imaging Archive",
        with_end="I need Radiologist in Imaging Archive for two weeks",
        someone_else="... needs Reader in Imaging Archive", application="Imaging Archive")
    assert "Looker" not in help_answer(vocabulary.examples)


def test_privileged_roles_are_never_examples_and_a_catalog_of_only_those_gets_a_generic_one() -> None:
    only_admin = CatalogVocabulary.build(_catalog({"Vault": [("Root Admin", True)]}))
    assert only_admin.examples == Examples.generic()
    assert CatalogVocabulary.build(_catalog({})).examples == Examples.generic()


def test_every_example_is_one_the_reading_resolves_back_to_itself() -> None:
    # A role named like its application ("Wiki" in Wiki) is among the candidates; whichever is shown reads back.
    vocabulary = CatalogVocabulary.build(_catalog({"Wiki": [("Wiki", False), ("Editor", False)]}))
    shown = vocabulary.examples.request.removeprefix("I need the ").replace(" role in ", " in ", 1)
    assert _named(vocabulary, vocabulary.examples.request) == shown


@pytest.mark.parametrize("seed", range(20))
def test_on_generated_catalogs_every_example_reads_back_as_the_role_it_names(seed: int) -> None:
    rng = random.Random(seed)
    words = ["Claims", "Ledger", "Portal", "Atlas", "Nimbus", "Orbit", "Quartz", "Harbor", "Beacon", "Summit",
             "Viewer", "Reader", "Approver", "Analyst", "Operator", "Auditor", "Editor", "Admin", "Member", "Owner"]
    apps = {f"{rng.choice(words[:10])} {rng.choice(['Cloud', 'Hub', 'One', 'Desk'])} {n}":
            [(" ".join(rng.sample(words[10:], rng.choice([1, 1, 2]))), rng.random() < 0.3)
             for _ in range(rng.randint(1, 5))] for n in range(rng.randint(1, 8))}
    for name, roles in apps.items():  # role names unique within an application, as the import requires
        apps[name] = list({role.casefold(): (role, privileged) for role, privileged in roles}.values())
    vocabulary = CatalogVocabulary.build(_catalog(apps))
    examples = vocabulary.examples
    if examples == Examples.generic():
        assert all(privileged for roles in apps.values() for _, privileged in roles) or not apps
        return
    request_role = examples.request.removeprefix("I need the ").replace(" role in ", " in ", 1)
    assert _named(vocabulary, examples.request) == request_role
    assert _named(vocabulary, examples.with_end.removesuffix(" for two weeks")) == \
        examples.with_end.removeprefix("I need ").removesuffix(" for two weeks")
