"""The columns every person has in the rules store and the import format; any other column is an attribute."""

from __future__ import annotations

STANDARD_USER_COLUMNS = ("user_id", "email", "display_name", "status", "employment_type", "department", "title",
                         "manager_id", "location")
# Who a person is, never a feature of the request.
IDENTITY_COLUMNS = frozenset({"user_id", "email", "display_name", "status"})
