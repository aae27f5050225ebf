"""Authenticator-app codes (TOTP, RFC 6238) from a secret the person stored: the base32 text a site shows
next to its QR code, or the QR code's own `otpauth://totp/...?secret=...` URI."""

from __future__ import annotations

import binascii
from urllib.parse import parse_qs, urlsplit

import pyotp


class BadSecret(ValueError):
    """Not an authenticator secret; the message is one line and never repeats the input."""


def parse_secret(text: str) -> str:
    """The normalised base32 secret in `text` (spaces and case as sites print them are accepted)."""
    text = text.strip()
    if text.lower().startswith("otpauth://"):
        parts = urlsplit(text)
        if parts.netloc.lower() != "totp":
            raise BadSecret("only time-based (otpauth://totp/...) authenticator URIs are supported")
        query = parse_qs(parts.query)
        found = query.get("secret", [])
        if len(found) != 1:
            raise BadSecret("the otpauth URI has no secret= parameter")
        # Only the secret is kept: codes are the usual 6 digits every 30 s with SHA1. Any other kind
        # would give wrong codes, each one a failed sign-in, so it is refused here.
        for name, usual in (("digits", "6"), ("period", "30"), ("algorithm", "SHA1")):
            given = query.get(name, [usual])
            if len(given) != 1 or given[0].strip().upper() != usual:
                raise BadSecret(f"only 6-digit, 30-second SHA1 codes are supported (the URI gives another {name})")
        text = found[0]
    secret = "".join(text.split()).upper().rstrip("=")
    if not secret:
        raise BadSecret("empty authenticator secret")
    if len(secret) < 16:  # 80 bits, RFC 4226's minimum: a shorter one is a typo, not a secret
        raise BadSecret("too short for an authenticator secret (at least 16 base32 characters)")
    try:
        # pyotp wants the padding base32 needs; it refuses anything that is not base32.
        pyotp.TOTP(secret + "=" * (-len(secret) % 8)).now()
    except (binascii.Error, ValueError):
        raise BadSecret("not a base32 authenticator secret (letters A-Z and digits 2-7)") from None
    return secret


def current_code(secret: str) -> str:
    """The code an authenticator app shows now for `secret` (6 digits, 30-second steps)."""
    return pyotp.TOTP(secret + "=" * (-len(secret) % 8)).now()
