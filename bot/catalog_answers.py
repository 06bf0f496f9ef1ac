"""Answers to questions about the catalog itself: the roles an application has ("what roles does Looker have?",
"what can I request in GitLab?") and what a role is for ("what does the PII Reader role give me?").

The catalog is the same for everyone, so these answers show nothing about any person; they request nothing.
"""

from __future__ import annotations

from bot.domain import Application, Role
from bot.understanding.catalog_matcher import winners
from bot.understanding.resolver import CatalogVocabulary, resolve_role
from bot.understanding.text import numbered

NOTHING_REQUESTED = "Nothing was requested."
# Catalog listings show every role of an application unless it has more than this many.
LISTED_ROLES = 20


def application_roles(vocabulary: CatalogVocabulary, text: str, subject: str | None = None) -> str | None:
    """The roles of the application the text names, with their descriptions; the applications known when it names
    none. With a `subject` ("what roles does <subject> have?", "does <subject> have a Viewer role?"), None when the
    subject names no application: it is then someone's access, not the catalog, that is asked about; and the role
    described when the text names one of the application's roles."""
    apps = _applications(vocabulary, subject if subject is not None else text)
    if subject is not None and len(apps) != 1:
        return None
    if subject is not None and winners(vocabulary.roles.exact(vocabulary.words_of(text))):
        return role_described(vocabulary, text)
    if len(apps) != 1:
        return _which_application(vocabulary, apps)
    return _roles_listed(vocabulary, apps[0])


def role_described(vocabulary: CatalogVocabulary, text: str) -> str:
    """What the role the text names is for, in the application it names (or in each application that has a role
    of that name); the application's roles when the text names an application but no role of it."""
    words = vocabulary.words_of(text)
    apps = _applications(vocabulary, text)
    if len(apps) == 1:
        role, _, _ = resolve_role(vocabulary, apps[0], words)
        return _described([role], apps[0]) if role is not None else _roles_listed(vocabulary, apps[0])
    roles = [vocabulary.catalog.roles[hit.entity_id] for hit in winners(vocabulary.roles.find(words))]
    if apps:
        roles = [role for role in roles if role.app_id in {app.app_id for app in apps}]
    if not roles:
        return _which_application(vocabulary, apps, lead="I could not tell which role you mean.")
    if len(roles) == 1:
        return _described(roles, vocabulary.catalog.applications[roles[0].app_id])
    roles.sort(key=lambda role: _app_name(vocabulary, role).casefold())
    lines = [f"in {_app_name(vocabulary, role)}: {_role_line(role)}" for role in roles]
    return (f"{roles[0].name} is a role in {len(roles)} applications: {numbered(lines)}. Name the application to "
            f"ask for it, for example \"I need {roles[0].name} in {_app_name(vocabulary, roles[0])}\". "
            f"{NOTHING_REQUESTED}")


def _applications(vocabulary: CatalogVocabulary, text: str) -> list[Application]:
    hits = winners(vocabulary.apps.find(vocabulary.words_of(text)))
    return [vocabulary.catalog.applications[hit.entity_id] for hit in hits]


def _roles_listed(vocabulary: CatalogVocabulary, app: Application) -> str:
    roles = sorted(vocabulary.catalog.roles_of(app.app_id), key=lambda role: role.name.casefold())
    if not roles:
        return f"{app.name} has no roles I can request. {NOTHING_REQUESTED}"
    shown = numbered(_role_line(role) for role in roles[:LISTED_ROLES])
    more = f"; and {len(roles) - LISTED_ROLES} more" if len(roles) > LISTED_ROLES else ""
    about = f" ({app.description.rstrip('.')})" if app.description else ""
    return (f"{app.name}{about} has {len(roles)} role{'' if len(roles) == 1 else 's'}: {shown}{more}. To ask for "
            f"one, say for example \"I need {roles[0].name} in {app.name}\". {NOTHING_REQUESTED}")


def _described(roles: list[Role], app: Application) -> str:
    role = roles[0]
    what = f": {role.description.rstrip('.')}" if role.description else ""
    privileged = " It is a privileged role: the application's owner approves every request for it." \
        if role.privileged else ""
    return (f"{role.name} in {app.name}{what}.{privileged} To ask for it, say \"I need {role.name} in {app.name}\". "
            f"{NOTHING_REQUESTED}")


def _role_line(role: Role) -> str:
    """"Viewer (privileged): read dashboards": one role in a list."""
    privileged = " (privileged)" if role.privileged else ""
    what = f": {role.description.rstrip('.')}" if role.description else ""
    return f"{role.name}{privileged}{what}"


def _app_name(vocabulary: CatalogVocabulary, role: Role) -> str:
    app = vocabulary.catalog.applications.get(role.app_id)
    return app.name if app is not None else role.app_id


def _which_application(vocabulary: CatalogVocabulary, apps: list[Application], lead: str = "") -> str:
    """Asks which application is meant, naming those the text could mean or else every one known."""
    options = apps or sorted(vocabulary.catalog.applications.values(), key=lambda app: app.name.casefold())
    if not options:
        return f"{lead} No applications are loaded yet. {NOTHING_REQUESTED}".strip()
    names = ", ".join(app.name for app in options[:LISTED_ROLES])
    more = f" and {len(options) - LISTED_ROLES} more" if len(options) > LISTED_ROLES else ""
    return (f"{lead} Name the application to see its roles, for example \"what roles does {options[0].name} "
            f"have?\". Applications: {names}{more}. {NOTHING_REQUESTED}").strip()
