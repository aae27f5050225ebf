"""Each home's Ed25519 signing key: the private half in the keyring the person chose, the public half in
the home (`keys/<id>.pem`, PEM as `openssl` reads it) and in every bundle.

A key is made the first time a home signs a run. When the home already has a public key but the
keyring does not hold its private half (another keyring chosen, a keyring reset), runs are not signed
and the person is told why: making a new key silently would hide that the old one is gone.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import keyring.backend
import keyring.errors
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from optout.accounts import config as accounts
from optout.accounts.keyrings import KeyringUnavailable
from optout.paths import Home

KEYRING_ENTRY = "signing-key"
KEY_ID = re.compile(r"[0-9a-f]{32}")


class SigningUnavailable(Exception):
    """Runs cannot be signed now; the message is one line saying why and what to do."""


def key_id(public: Ed25519PublicKey) -> str:
    """The key's name in manifests and file names: the SHA-256 of its raw 32 bytes, first 32 hex digits."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:32]


def public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def keys_dir(where: Home) -> Path:
    return where.data_dir / "keys"


def public_key_path(where: Home, kid: str) -> Path:
    return keys_dir(where) / f"{kid}.pem"


def valid_key_id(kid: str) -> bool:
    """The form key_id gives: a manifest's `signing_key` is data, never a path."""
    return KEY_ID.fullmatch(kid) is not None


def home_public_key(keys: Path, kid: str) -> tuple[Path, Ed25519PublicKey]:
    """The public key `kid` from the home's keys folder, and its file. Raises FileNotFoundError when the
    home has no such key, ValueError for an id of another form or a file that is not that key."""
    if not valid_key_id(kid):
        raise ValueError(f"{kid!r} is not a key id (32 hex digits)")
    path = keys / f"{kid}.pem"
    public = load_public(path)
    if key_id(public) != kid:
        raise ValueError(f"{path.name} holds another key than {kid}")
    return path, public


@dataclass(frozen=True)
class Signer:
    key_id: str
    _private: Ed25519PrivateKey

    def sign(self, data: bytes) -> bytes:
        return self._private.sign(data)


def load_public(path: Path) -> Ed25519PublicKey:
    """Raises ValueError for a file that is not an Ed25519 public key."""
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path.name} is not an Ed25519 public key")
    return key


def verify_signature(public: Ed25519PublicKey, data: bytes, signature: bytes) -> bool:
    try:
        public.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def signer(where: Home) -> Signer:
    """The home's signer, making its key on first use. Raises SigningUnavailable."""
    try:
        backend = accounts.usable_keyring().backend
        name = accounts.service(where, create=True)
        assert name is not None
        stored = backend.get_password(name, KEYRING_ENTRY)
    except (KeyringUnavailable, keyring.errors.KeyringError, accounts.ConfigError, OSError, ValueError) as exc:
        raise SigningUnavailable(f"runs are not signed: the keyring cannot be used ({_first_line(exc)})") from None
    if stored is not None:
        return _from_entry(where, stored)
    try:
        with accounts.making_keys(where):
            return _first_key(where, backend, name)
    except OSError as exc:
        raise SigningUnavailable(
            f"runs are not signed: the home's keys folder cannot be used ({_first_line(exc)})"
        ) from None


def _first_key(where: Home, backend: keyring.backend.KeyringBackend, name: str) -> Signer:
    try:
        stored = backend.get_password(name, KEYRING_ENTRY)
    except (keyring.errors.KeyringError, ValueError) as exc:
        raise SigningUnavailable(f"runs are not signed: the keyring cannot be used ({_first_line(exc)})") from None
    if stored is not None:  # made by a run that held the lock first
        return _from_entry(where, stored)
    known = sorted(keys_dir(where).glob("*.pem"))
    if known:
        raise SigningUnavailable(
            f"runs are not signed: this home's signing key ({known[-1].stem}) is not in the keyring in use; "
            "choose the keyring that holds it (see optout doctor). Hashes and the chain are still recorded"
        )
    private = Ed25519PrivateKey.generate()
    kid = key_id(private.public_key())
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    entry = json.dumps({"key_id": kid, "ed25519": base64.b64encode(raw).decode("ascii")})
    _write_public(where, private.public_key())
    try:
        backend.set_password(name, KEYRING_ENTRY, entry)
    except (keyring.errors.KeyringError, OSError, ValueError) as exc:
        public_key_path(where, kid).unlink(missing_ok=True)
        raise SigningUnavailable(
            f"runs are not signed: the keyring refused the signing key ({_first_line(exc)})"
        ) from None
    return Signer(kid, private)


def _from_entry(where: Home, stored: str) -> Signer:
    try:
        data = json.loads(stored)
        private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(data["ed25519"], validate=True))
    except (ValueError, KeyError, TypeError):
        raise SigningUnavailable("runs are not signed: the signing key in the keyring is damaged") from None
    kid = key_id(private.public_key())
    if not public_key_path(where, kid).exists():
        # The public half belongs with the evidence: written again when the home lost it.
        _write_public(where, private.public_key())
    return Signer(kid, private)


def _write_public(where: Home, public: Ed25519PublicKey) -> None:
    path = public_key_path(where, key_id(public))
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    # Private like every other file of the home's evidence.
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        out.write(public_pem(public))
    os.replace(tmp, path)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
