"""Screenshot evidence and the per-run manifest that lists every file with its SHA-256.

Every file is written whole or not at all (a temporary file renamed into place), so a full disk or a
killed run never leaves a truncated screenshot or manifest behind, and whatever the manifest lists is
on disk with the hash it gives.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from optout import __version__
from optout.evidence.history import History, HistoryError, ResultRow
from optout.evidence.manifest import (
    EvidenceFile,
    FileKind,
    FlowUsed,
    Manifest,
    OriginMapping,
    manifest_bytes,
)
from optout.evidence.progress import PROGRESS_NAME, ProgressSigner
from optout.files import describe_write_error, make_private_dirs, write_atomically
from optout.paths import account_folder
from optout.results import EvidenceRef, Result, State, utc_now

if TYPE_CHECKING:
    from optout.evidence.chain import RunLock
    from optout.evidence.signing import Signer


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
        flow_files: Mapping[str, FlowUsed] | None = None,
        mask_pii: bool = False,
        request_records: bool = True,
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
        # Whether a request setting reads what was sent from the history (False: the demo, whose fresh
        # sandbox never received the forms earlier demos sent to theirs).
        self.request_records = request_records
        self._captures: dict[tuple[str, str], int] = {}
        self._attempts: dict[tuple[str, str, str], Attempt] = {}
        self.manifest = Manifest(
            run_id=self.run_id,
            command=command,
            optout_version=__version__,
            started_at=started,
            flows=flows,
            flow_files=dict(flow_files or {}),
            mappings=[OriginMapping(origin=o, served_by=b) for o, b in sorted(self.mappings.items())],
            mask_pii=mask_pii,
        )
        self._lock: RunLock | None = None
        # Signs each manifest as it is written: what a later run may sign for this one, should it be killed.
        self._progress = ProgressSigner(signer, self.run_id, self.directory) if signer is not None else None
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
            (self.directory / PROGRESS_NAME).unlink(missing_ok=True)
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

    def add_capture(
        self,
        *,
        platform: str,
        account: str,
        setting: str | None,
        step: str,
        url: str,
        taken: datetime,
        images: list[tuple[str, FileKind, bytes]],
        excerpt: dict[str, object] | None = None,
    ) -> EvidenceRef:
        """Keep one capture: its images (a suffix, a kind and the PNG bytes each; the first is the primary
        image) and, when the control was known, its excerpt, written whole with the manifest that lists
        them and recorded in the history. Returns the primary image."""
        folder = self.directory / platform / account_folder(account)
        stem = f"{self._next_number(platform, account):02d}-{step}"
        files = [(folder / f"{stem}{suffix}.png", kind, data) for suffix, kind, data in images]
        if excerpt is not None:
            excerpt = {**excerpt, "screenshot": files[0][0].name}
            text = json.dumps(excerpt, indent=2, ensure_ascii=False) + "\n"
            files.append((folder / f"{stem}.control.json", "control", text.encode("utf-8")))
        entries = [
            self._entry(
                path,
                kind,
                data,
                url=url,
                taken_at=taken,
                platform=platform,
                account=account,
                setting=setting,
                step=step,
            )
            for path, kind, data in files
        ]
        self._write(files, entries)
        self._to_history(lambda h: h.add_files(self.run_id, entries))
        return EvidenceRef(path=str(files[0][0]), sha256=entries[0].sha256)

    def add_file(
        self,
        *,
        platform: str,
        account: str,
        setting: str | None,
        step: str,
        url: str,
        name: str,
        kind: FileKind,
        data: bytes,
    ) -> EvidenceRef:
        """Keep one file that is not a capture's image (a DOM excerpt, a trace) in the account's folder,
        numbered like the captures (`NN-name`), listed in the manifest and the history like them."""
        number = self._next_number(platform, account)
        path = self.directory / platform / account_folder(account) / f"{number:02d}-{name}"
        entry = self._entry(
            path,
            kind,
            data,
            url=url,
            taken_at=utc_now(),
            platform=platform,
            account=account,
            setting=setting,
            step=step,
        )
        self._write([(path, kind, data)], [entry])
        self._to_history(lambda h: h.add_files(self.run_id, [entry]))
        return EvidenceRef(path=str(path), sha256=entry.sha256)

    def _next_number(self, platform: str, account: str) -> int:
        """The account's next file number: captures, excerpts and traces share one sequence."""
        key = (platform, account)
        self._captures[key] = number = self._captures.get(key, 0) + 1
        return number

    def _entry(
        self,
        path: Path,
        kind: FileKind,
        data: bytes,
        *,
        url: str,
        taken_at: datetime,
        platform: str,
        account: str,
        setting: str | None,
        step: str,
    ) -> EvidenceFile:
        """The manifest's line for one file of the run."""
        return EvidenceFile(
            path=str(path.relative_to(self.directory)),
            kind=kind,
            sha256=hashlib.sha256(data).hexdigest(),
            url=url,
            taken_at=taken_at,
            platform=platform,
            account=account,
            setting=setting,
            step=step,
            flow_version=self.manifest.flows.get(platform, ""),
        )

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

    def request_on_record(
        self, platform: str, account: str, setting: str, *, other_runs: bool = False
    ) -> ResultRow | None:
        """The request optout last sent (or may have sent) for this setting, as the history holds it (None
        without one); `other_runs`: not counting this run's own rows. Raises HistoryError."""
        if self.history is None or not self.request_records:
            return None
        besides = self.run_id if other_runs else None
        return self.history.request_sent(platform, account, setting, mapped=self.mapped, besides=besides)

    def was_off_before(self, platform: str, account: str, setting: str) -> bool:
        """Whether an earlier run of the same kind (mapped or real) read this setting off: the person chose
        it once, so reading it on now is no default. False when the history cannot tell."""
        if self.history is None or self.history_error or not self.request_records:
            return False
        try:
            rows = self.history.results(platform=platform, account=account)
        except (HistoryError, sqlite3.Error):
            return False
        return any(
            r.setting == setting and r.mapped == self.mapped and r.state is State.OFF and r.run_id != self.run_id
            for r in rows
        )

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
        data = manifest_bytes(self.manifest)
        if self._progress is not None:
            self._progress.sign(data)
        write_atomically(self.manifest_path, data)
        if self._progress is not None:
            self._progress.written()
