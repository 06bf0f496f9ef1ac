"""Errors raised by the PostgreSQL adapters."""


class StoreError(Exception):
    """The rules store could not do what was asked."""


class StoreUnavailableError(StoreError):
    """PostgreSQL is down or unreachable; nothing was written and the caller may retry."""


class EmbeddedServerError(StoreUnavailableError):
    """The embedded PostgreSQL could not be started."""


class ImportBusyError(StoreUnavailableError):
    """Another import into the same database is running; nothing was changed."""


class ImportRowError(StoreError):
    """Rows of an org bundle are invalid; nothing was imported. `notes` say what was not checked, after the
    problems, and are not counted as problems."""

    def __init__(self, problems: list[str], where: str = "the bundle", notes: list[str] | None = None) -> None:
        self.problems = problems
        self.notes = notes or []
        shown = "\n".join(problems[:50])
        more = f"\n... and {len(problems) - 50} more" if len(problems) > 50 else ""
        counted = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
        noted = "".join(f"\n({note})" for note in self.notes)
        super().__init__(f"{counted} in {where}; nothing was imported:\n{shown}{more}{noted}")


class MissingColumnsError(ImportRowError):
    """A file lacks columns it needs (`columns`); nothing was read from it."""

    def __init__(self, path_name: str, columns: list[str], notes: list[str] | None = None) -> None:
        self.columns = columns
        super().__init__([f"{path_name}:1: missing column(s): {', '.join(columns)}"], where=path_name, notes=notes)


class ImportIncompleteError(StoreError):
    """The bundle's catalog was written, but a later step of the import (indexing, fitting) failed."""

    def __init__(self, catalog_version: int, step: str, remedy: str, cause: BaseException) -> None:
        self.catalog_version = catalog_version
        what = "was interrupted" if isinstance(cause, KeyboardInterrupt) else \
            f"failed ({type(cause).__name__}: {cause})"
        super().__init__(f"the catalog was imported (version {catalog_version}), but {step} {what}; requests are "
                         "decided on the new catalog meanwhile, none approved without a person until the import "
                         f"completes: {remedy} completes it")


class AuditChainError(StoreError):
    """The audit log could not be appended to."""
