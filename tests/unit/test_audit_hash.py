from __future__ import annotations

from validators.audit import GENESIS_HASH, canonical_json, chain_hash


def test_canonical_json_is_key_order_independent_and_hash_depends_on_both_inputs() -> None:
    a = canonical_json({"b": 1, "a": "é", "c": [1, 2]})
    b = canonical_json({"c": [1, 2], "a": "é", "b": 1})
    assert a == b == '{"a":"é","b":1,"c":[1,2]}'
    first = chain_hash(GENESIS_HASH, a)
    assert len(first) == 64
    assert chain_hash(first, a) != first
    assert chain_hash(GENESIS_HASH, a + " ") != first
