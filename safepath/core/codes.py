"""Random public codes: unguessable, easy to read aloud and to type from a poster."""

from __future__ import annotations

import secrets

# Uppercase letters and digits without look-alikes (0/O, 1/I/L): a code read from a worn
# sticker is typed right the first time. Upper case keeps QR codes in alphanumeric mode.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10  # 31**10 is about 2**49.5: far beyond guessing at any rate limit


def new_code(length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalize_code(raw: str) -> str | None:
    """Return the canonical form of a code typed or scanned by a person, or None if invalid."""
    code = raw.strip().upper().replace("-", "").replace(" ", "")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code
