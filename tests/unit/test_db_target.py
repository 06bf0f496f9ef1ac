"""A connection string given in the settings: its password is used to connect, never shown."""

from __future__ import annotations

import pytest

from validators.db_auth import given_target


@pytest.mark.parametrize(("given", "shown", "password"), [
    ("postgresql://app:s3cr%40t@db.example:5432/askiam?sslmode=require",
     "postgresql://app@db.example:5432/askiam?sslmode=require", "s3cr@t"),
    ("postgres://app@db.example/askiam?password=pw&sslmode=require", "postgres://app@db.example/askiam?sslmode=require",
     "pw"),
    ("host=db.example user=app password=pw dbname=askiam", "host=db.example user=app dbname=askiam", "pw"),
    ("postgresql://app@db.example/askiam", "postgresql://app@db.example/askiam", None),
])
def test_the_password_moves_from_the_url_to_the_password_source(given: str, shown: str, password: str | None) -> None:
    target = given_target(given)
    assert sorted(target.url.split()) == sorted(shown.split()) and "pw" not in target.url and "s3cr" not in target.url
    assert (target.password() if target.password else None) == password
