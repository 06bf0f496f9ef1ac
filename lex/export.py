"""Writing the bot definition for the current catalog, for `askiam lex export` and the deployment template."""

from __future__ import annotations

import json
from pathlib import Path

from bot.bootstrap import Application
from lex.bot_definition import askiam_bot

BOT_FILE = "askiam-lex-bot.json"


def export_bot(app: Application, out_dir: Path) -> Path:
    """Write the Lex V2 bot definition (the `AWS::Lex::Bot` properties but `RoleArn`, in CloudFormation's casing:
    its `BotLocales` replace those of the template's `LexBot`) and return its path. What Lex's limits make it cut or
    leave out is logged as a warning, one per name where a name is cut.

    Parameters
    ----------
    app:
        The application whose catalog gives the application and role slot values (aliases become synonyms).
    out_dir:
        The folder to write `askiam-lex-bot.json` into; created if missing.

    Raises
    ------
    ValueError
        The catalog has no application or no role yet (a Lex slot type needs at least one value).
    """
    catalog = app.service.vocabulary().catalog
    if not catalog.applications or not catalog.roles:
        raise ValueError("the catalog is empty: import an org bundle before exporting the Lex bot")
    document = askiam_bot(catalog).to_cloudformation()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / BOT_FILE
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    temporary.replace(path)
    return path
