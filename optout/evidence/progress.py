"""A run signs its manifest each time it writes it, when it has the home's key: `manifest.progress`
beside it holds the signatures. Should the run be killed, the run that seals it signs the manifest only
when this file vouches for it, with the key that signed the run's start: whoever can write the home but
not the keyring may edit a killed run's manifest and its history to match, but cannot sign the edit.

The file holds two signatures: the manifest on disk and the one about to replace it. It is written
before the manifest, so a run killed between the two writes, or a manifest write that failed (a full
disk), leaves on disk a manifest the file still vouches for. Each signature covers a statement naming
the run, never the manifest's bytes alone, so that none of them can pass for the signature of a sealed
manifest (`manifest.sig`). What it cannot tell: someone who copied an earlier manifest and progress file
while the run went on can put them back; that earlier state is the run's own, and reads as a run killed
earlier.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from optout.evidence.signing import Signer, verify_signature
from optout.files import write_atomically

PROGRESS_NAME = "manifest.progress"


def statement(run_id: str, digest: str) -> bytes:
    return f"optout run in progress\n{run_id}\n{digest}\n".encode()


class ProgressSigner:
    """Signs each manifest a run writes, before it is written."""

    def __init__(self, signer: Signer, run_id: str, folder: Path) -> None:
        self.signer = signer
        self.run_id = run_id
        self.path = folder / PROGRESS_NAME
        self._on_disk: dict[str, str] | None = None  # the signature of the manifest written last
        self._pending: dict[str, str] | None = None

    def sign(self, manifest: bytes) -> None:
        """Before `manifest` is written: the file vouches for it and for the one on disk until then."""
        digest = hashlib.sha256(manifest).hexdigest()
        signature = base64.b64encode(self.signer.sign(statement(self.run_id, digest))).decode("ascii")
        entry = {"sha256": digest, "signature": signature}
        signed = [self._on_disk, entry] if self._on_disk is not None else [entry]
        body = {"run_id": self.run_id, "signing_key": self.signer.key_id, "signed": signed}
        write_atomically(self.path, json.dumps(body, indent=1).encode("utf-8"))
        self._pending = entry

    def written(self) -> None:
        """The manifest last signed is on disk now. (A write that failed, a full disk, leaves the one
        before on disk, and the next signature keeps vouching for it.)"""
        self._on_disk, self._pending = self._pending, None


def vouched(folder: Path, run_id: str, manifest: bytes, kid: str, public: Ed25519PublicKey) -> str | None:
    """None when the run's progress file vouches for `manifest` with key `kid`; else why not, in words."""
    try:
        body = json.loads((folder / PROGRESS_NAME).read_bytes())
    except FileNotFoundError:
        return f"{PROGRESS_NAME} is missing: nothing signed by the run vouches for its manifest"
    except (OSError, ValueError):
        return f"{PROGRESS_NAME} cannot be read"
    if not isinstance(body, dict) or body.get("run_id") != run_id or body.get("signing_key") != kid:
        return f"{PROGRESS_NAME} is not this run's, signed with the key that signed its start"
    digest = hashlib.sha256(manifest).hexdigest()
    for entry in body.get("signed") or []:
        if not isinstance(entry, dict) or entry.get("sha256") != digest:
            continue
        try:
            raw = base64.b64decode(str(entry.get("signature")), validate=True)
        except (ValueError, binascii.Error):
            break
        if verify_signature(public, statement(run_id, digest), raw):
            return None
        break
    return "its manifest is not one the run signed as it went (changed after it stopped)"
