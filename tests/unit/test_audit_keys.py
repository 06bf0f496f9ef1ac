"""The checkpoint signing key file: created once with owner-only permissions, refused when others can read it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from validators.audit_errors import AuditKeyError
from validators.audit_keys import (
    default_key_path,
    load_or_create_signing_key,
    load_signing_key,
    public_key_path,
    read_public_key,
    trusted,
)


def test_the_key_is_created_on_first_use_with_mode_0600_and_its_public_half_beside_it(tmp_path: Path) -> None:
    path = default_key_path(tmp_path / "home")
    assert load_signing_key(path) is None
    key = load_or_create_signing_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    assert len(key.key_id) == 16
    public = read_public_key(public_key_path(path))
    assert trusted([public]) == {key.key_id: public}
    again = load_or_create_signing_key(path)
    assert again.key_id == key.key_id  # not regenerated
    assert sorted(p.name for p in path.parent.iterdir()) == sorted([path.name, public_key_path(path).name])


def test_a_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    load_or_create_signing_key(path)
    path.chmod(0o644)
    with pytest.raises(AuditKeyError, match="chmod 600"):
        load_signing_key(path)


def test_a_file_that_is_not_a_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    path.write_text("hello")
    path.chmod(0o600)
    with pytest.raises(AuditKeyError, match="cannot read"):
        load_signing_key(path)
    with pytest.raises(AuditKeyError, match="not a PEM public key"):
        read_public_key(path)
    with pytest.raises(AuditKeyError, match="cannot read the public key"):
        read_public_key(tmp_path / "missing.pub")
