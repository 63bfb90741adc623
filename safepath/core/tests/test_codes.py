"""Public codes: random, unambiguous, forgiving of how a person types them."""

from __future__ import annotations

from safepath.core.codes import CODE_ALPHABET, CODE_LENGTH, new_code, normalize_code


def test_codes_avoid_look_alike_characters() -> None:
    assert not set("01OIL") & set(CODE_ALPHABET)
    assert len(CODE_ALPHABET) ** CODE_LENGTH >= 2**40


def test_new_codes_are_random_and_well_formed() -> None:
    codes = {new_code() for _ in range(2000)}

    assert len(codes) == 2000
    assert all(len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET) for code in codes)


def test_normalize_accepts_what_a_person_types() -> None:
    assert normalize_code(" abcd-efgh 23 ") == "ABCDEFGH23"


def test_normalize_rejects_what_cannot_be_a_code() -> None:
    assert normalize_code("ABCDEFGH2") is None  # too short
    assert normalize_code("ABCDEFGH20") is None  # 0 is not in the alphabet
    assert normalize_code("") is None
