"""The columns every person has in the rules store and the import format; any other column is an attribute."""

from __future__ import annotations

STANDARD_USER_COLUMNS = ("user_id", "email", "display_name", "status", "employment_type", "department", "title",
                         "manager_id", "location")
# The optional column giving a person's IANA time zone ("Europe/Berlin"): the ends they name ("until Friday") are
# read, and shown back to them, in it.
TIME_ZONE_COLUMN = "time_zone"
# Who a person is (or where their clock is), never a feature of the request.
IDENTITY_COLUMNS = frozenset({"user_id", "email", "display_name", "status", TIME_ZONE_COLUMN})
