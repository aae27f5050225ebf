"""Screenshot evidence and the per-run manifest that lists every file with its SHA-256.

Every file is written whole or not at all (a temporary file renamed into place), so a full disk or a
killed run never leaves a truncated screenshot or manifest behind, and whatever the manifest lists is
on disk with the hash it gives.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from playwright.async_api import Locator, Page
from pydantic import BaseModel, ConfigDict

from optout import __version__
from optout.engine.capture import Caption, ShownControl, drawn
from optout.engine.masking import pii_locators, typed_pii
from optout.evidence.history import History, HistoryError
from optout.language.flow import Target
from optout.results import EvidenceRef, Result, utc_now, where

if TYPE_CHECKING:
    from optout.evidence.chain import RunLock
    from optout.evidence.signing import Signer

# Masked in every screenshot, whatever the flow says: a filled password must never reach an image.
SECRET_FIELDS = "input[type=password], input[autocomplete=current-password], input[autocomplete=one-time-code]"

# Out of space, over quota, over the file size limit: the disk, not the run, is the problem.
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


FileKind = Literal["screenshot", "masked-screenshot", "control"]


class EvidenceFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    kind: FileKind = "screenshot"  # masked-screenshot: personal data masked; control: the control's excerpt
    sha256: str
    url: str
    taken_at: datetime
    platform: str
    account: str
    setting: str | None
    step: str
    flow_version: str


class OriginMapping(BaseModel):
    """A real origin answered by a local server during the run (`--origin`, the demo)."""

    model_config = ConfigDict(extra="forbid")

    origin: str
    served_by: str


class ChainLink(BaseModel):
    """The manifest sealed just before this one in the same home, by run id and SHA-256 of its bytes."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    sha256: str


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str
    command: str
    optout_version: str
    browser_version: str | None = None
    started_at: datetime
    finished_at: datetime | None = None
    interrupted: str | None = None  # why the run stopped before its end
    flows: dict[str, str]
    mappings: list[OriginMapping] = []
    mask_pii: bool = False
    files: list[EvidenceFile] = []
    results: list[Result] = []
    # Set when the run is sealed (chain.py): None for a home's first run, and in a run with no history.
    previous: ChainLink | None = None
    signing_key: str | None = None  # the id of the key whose signature is in manifest.sig
    # The run that sealed this one, when it was killed before it could seal itself.
    sealed_by: str | None = None


def manifest_bytes(manifest: Manifest) -> bytes:
    """The exact bytes written, hashed and signed."""
    data = manifest.model_dump(mode="json")
    if data["sealed_by"] is None:
        # Left out unless set: a run that sealed itself reads as it did before sealed_by existed.
        del data["sealed_by"]
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def account_folder(account: str) -> str:
    """A folder name per account: readable, and distinct for every username, including ones that read
    the same once reduced to safe characters (`a/b@x.com`, `a_b@x.com`, `a b@x.com`)."""
    slug = re.sub(r"[^A-Za-z0-9.@+-]+", "_", account).strip("._") or "account"
    return f"{slug[:48]}-{hashlib.sha256(account.encode('utf-8')).hexdigest()[:10]}"


def make_private_dirs(folder: Path) -> None:
    """`mkdir -p`, each folder it makes readable by the person only (0700), like the config and history.
    Folders that exist already are left as they are: the person chose them."""
    missing: list[Path] = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for each in reversed(missing):
        each.mkdir(mode=0o700, exist_ok=True)


def write_atomically(path: Path, data: bytes) -> None:
    """`path` holds `data` in full, or is left as it was: a temporary file, flushed, then renamed. The
    file is the person's only (0600): evidence shows their accounts, as the config and history do."""
    tmp = stage_file(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def stage_file(path: Path, data: bytes) -> Path:
    """`data` written and flushed beside `path` (private, 0600), under a name verify knows as a leftover;
    returns that file, for the caller to rename over `path` (which cannot fail for want of space)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def describe_write_error(exc: OSError, where: Path) -> str:
    """One line for a failed evidence write."""
    why = exc.strerror or str(exc)
    if exc.errno in NO_SPACE:
        return f"the disk is full: cannot write evidence under {where} ({why})"
    return f"cannot write evidence under {where} ({why})"


@dataclass
class Attempt:
    """A click on a setting's control, recorded before it was made (`RunEvidence.attempt`)."""

    result: Result  # what stands for the setting until its own result replaces it
    what: str  # the control, as reasons name it
    row: int | None = None  # its row in the history
    sent: bool = False  # the click was sent


def _key(result: Result) -> tuple[str, str, str]:
    return (result.platform, result.account, result.setting)


class RunEvidence:
    """One run's folder under `--out`. The manifest is rewritten after every file and result, so a run
    that is killed keeps everything it had recorded. The first failed write is kept in `write_error`:
    a run without its evidence must stop, and the runner checks it after every setting.

    With a `history`, every file and result is also a row there as soon as it is written, and `finish`
    seals the run into the home's chain (signed when a `signer` is given)."""

    def __init__(
        self,
        out_dir: Path,
        command: str,
        flows: dict[str, str],
        *,
        mappings: Mapping[str, str] | None = None,
        mask_pii: bool = False,
        history: History | None = None,
        signer: Signer | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        started = utc_now()
        self.run_id = f"run-{started:%Y%m%dT%H%M%S}-{started.microsecond:06d}Z-{command}"
        # Absolute: results point at their files wherever they are read from.
        self.directory = out_dir.absolute() / self.run_id
        make_private_dirs(self.directory.parent)
        self.directory.mkdir(mode=0o700, exist_ok=False)
        self.write_error: OSError | None = None
        self.history_error: str | None = None
        self.history = history
        self.signer = signer
        # Told one line per killed run found that this run would not seal (see chain.seal).
        self.warn = warn
        self.seal_warnings: list[str] = []
        self.sealed_sha256: str | None = None
        self.mappings = dict(mappings or {})
        self.mask_pii = mask_pii
        self._captures: dict[tuple[str, str], int] = {}
        self._attempts: dict[tuple[str, str, str], Attempt] = {}
        self.manifest = Manifest(
            run_id=self.run_id,
            command=command,
            optout_version=__version__,
            started_at=started,
            flows=flows,
            mappings=[OriginMapping(origin=o, served_by=b) for o, b in sorted(self.mappings.items())],
            mask_pii=mask_pii,
        )
        self._lock: RunLock | None = None
        try:
            self._save()
            if history is not None:
                from optout.evidence.chain import RunLock

                # Proves to a later run that this one was started by optout, should it be killed.
                token = secrets.token_hex(16)
                self._lock = RunLock(history, self.run_id, token, signer)
                history.add_run(
                    run_id=self.run_id,
                    command=command,
                    directory=self.directory,
                    started_at=started,
                    optout_version=__version__,
                    flows=json.dumps(flows, sort_keys=True),
                    token=token,
                    mapped=self.mapped,
                )
        except BaseException:
            # Nothing of this run is anywhere yet: leave no empty folder behind.
            if self._lock is not None:
                self._lock.release()
            self.manifest_path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                self.directory.rmdir()
            raise

    @property
    def manifest_path(self) -> Path:
        return self.directory / "manifest.json"

    @property
    def mapped(self) -> bool:
        """Local servers answered for the platforms (`--origin`, the demo): the history keeps its results
        apart from the real accounts'."""
        return bool(self.mappings)

    @property
    def write_problem(self) -> str | None:
        """The first failed write (evidence or history) as one line, or None."""
        if self.write_error:
            return describe_write_error(self.write_error, self.directory)
        return self.history_error

    def note_browser(self, version: str) -> None:
        """The browser that produced this run's pages, recorded once."""
        if self.manifest.browser_version is None:
            self.manifest.browser_version = version
            self._try_save()
            self._to_history(lambda h: h.set_browser(self.run_id, version))

    def _to_history(self, write: Callable[[History], object]) -> None:
        if self.history is None or self.history_error:
            return
        try:
            write(self.history)
        except HistoryError as exc:
            self.history_error = str(exc)

    def served_by(self, url: str) -> str | None:
        """host:port of the local server answering for `url`'s origin, None for the real site."""
        parts = urlsplit(url)
        base = self.mappings.get(f"{parts.scheme}://{parts.netloc}")
        return urlsplit(base).netloc if base else None

    async def screenshot(
        self,
        page: Page,
        *,
        platform: str,
        account: str,
        setting: str | None,
        step: str,
        control: ShownControl | None = None,
        pii: Sequence[Target] = (),
    ) -> EvidenceRef:
        """One capture: the screenshot (and its masked twin, unless only masked images are wanted), with
        the control outlined and its excerpt beside it when the control is known. Returns the primary
        image."""
        taken = utc_now()
        url = where(page.url)
        caption = Caption(url=url, taken=taken, served_by=self.served_by(page.url))
        secret: list[Locator] = [page.locator(SECRET_FIELDS)]
        images: list[tuple[str, FileKind, bytes]] = []
        async with drawn(page, caption, control) as shown, typed_pii(page, account) as typed:
            personal = [*secret, *pii_locators(page, account, pii), *typed]
            if self.mask_pii:
                images.append(("", "masked-screenshot", await _image(page, personal)))
            else:
                images.append(("", "screenshot", await _image(page, secret)))
                images.append((".masked", "masked-screenshot", await _image(page, personal)))
        key = (platform, account)
        self._captures[key] = index = self._captures.get(key, 0) + 1
        folder = self.directory / platform / account_folder(account)
        stem = f"{index:02d}-{step}"
        files = [(folder / f"{stem}{suffix}.png", kind, data) for suffix, kind, data in images]
        if control is not None and shown.box is not None:
            excerpt = {
                "role": control.role,
                "name": control.name,
                "state": control.state,
                "url": url,
                "taken_at": caption.time,
                "box": shown.box,
                "screenshot": files[0][0].name,
            }
            text = json.dumps(excerpt, indent=2, ensure_ascii=False) + "\n"
            files.append((folder / f"{stem}.control.json", "control", text.encode("utf-8")))
        entries = [
            EvidenceFile(
                path=str(path.relative_to(self.directory)),
                kind=kind,
                sha256=hashlib.sha256(data).hexdigest(),
                url=url,
                taken_at=taken,
                platform=platform,
                account=account,
                setting=setting,
                step=step,
                flow_version=self.manifest.flows.get(platform, ""),
            )
            for path, kind, data in files
        ]
        self._write(files, entries)
        for entry in entries:
            self._to_history(
                lambda h, e=entry: h.add_file(  # type: ignore[misc]
                    self.run_id,
                    path=e.path,
                    sha256=e.sha256,
                    platform=platform,
                    account=account,
                    setting=setting,
                    step=e.step,
                    kind=e.kind,
                    taken_at=e.taken_at,
                )
            )
        return EvidenceRef(path=str(files[0][0]), sha256=entries[0].sha256)

    def _write(self, files: list[tuple[Path, FileKind, bytes]], entries: list[EvidenceFile]) -> None:
        """Every file of one capture and the manifest that lists them, or none of them."""
        try:
            try:
                for path, _, data in files:
                    make_private_dirs(path.parent)
                    write_atomically(path, data)
                self.manifest.files.extend(entries)
                self._save()
            except OSError:
                # A file the manifest does not list is no evidence: take them back.
                self.manifest.files = [f for f in self.manifest.files if all(f is not e for e in entries)]
                for path, _, _ in files:
                    path.unlink(missing_ok=True)
                raise
        except OSError as exc:
            self.write_error = self.write_error or exc
            raise

    def attempt(self, result: Result, what: str) -> Attempt:
        """A click on `what` (the control) is about to be made: `result` stands for the setting from now
        on, in the manifest and the history, written before the click is; the setting's own result,
        when `record`ed, replaces it. A run that ends before that (killed, a power cut) keeps it."""
        attempt = Attempt(result, what)
        self._attempts[_key(result)] = attempt
        self.manifest.results.append(result)
        self._try_save()

        def add(history: History) -> None:
            attempt.row = self._add_result(history, result)

        self._to_history(add)
        return attempt

    def in_flight(self, platform: str, account: str, setting: str) -> Attempt | None:
        """The click recorded for this setting that no result has replaced yet."""
        return self._attempts.get((platform, account, setting))

    def record(self, result: Result) -> None:
        attempt = self._attempts.pop(_key(result), None)
        if attempt is not None:
            self.manifest.results = [r for r in self.manifest.results if r is not attempt.result]
        self.manifest.results.append(result)
        self._try_save()
        self._to_history(lambda h: self._add_result(h, result))
        if attempt is not None and attempt.row is not None:
            # Added first, then dropped: whatever happens in between, the setting keeps a row.
            self._to_history(lambda h, row=attempt.row: h.drop_result(row))  # type: ignore[misc]

    def _add_result(self, history: History, result: Result) -> int:
        return history.add_result(
            self.run_id,
            result,
            flow_version=self.manifest.flows.get(result.platform),
            optout_version=self.manifest.optout_version,
            browser=self.manifest.browser_version,
            mapped=self.mapped,
        )

    def finish(self) -> None:
        """Close the run: written a last time and, with a history, sealed into the home's chain. Once
        sealed the manifest never changes (its hash is in the next run's manifest)."""
        if self.sealed_sha256 is not None:
            return
        self.manifest.finished_at = utc_now()
        if self.history is None:
            self._try_save()
            return
        from optout.evidence.chain import seal

        self.seal_warnings = []
        try:
            self.sealed_sha256 = seal(
                self.history, self.manifest, self.directory, self.signer, refused=self.seal_warnings
            )
        except OSError as exc:
            self.write_error = self.write_error or exc
        except HistoryError as exc:
            self.history_error = self.history_error or str(exc)
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None
        if self.warn is not None:
            for line in self.seal_warnings:
                self.warn(line)

    def interrupt(self, reason: str) -> None:
        """Mark the run as stopped before its end, and why (best effort: the disk may be full)."""
        self.manifest.interrupted = reason
        self.finish()

    def _try_save(self) -> None:
        try:
            self._save()
        except OSError as exc:
            self.write_error = self.write_error or exc

    def _save(self) -> None:
        write_atomically(self.manifest_path, manifest_bytes(self.manifest))


async def _image(page: Page, mask: list[Locator]) -> bytes:
    # Finished transitions: a toggle caught mid-animation would show neither state.
    return await page.screenshot(full_page=True, animations="disabled", mask=mask)
