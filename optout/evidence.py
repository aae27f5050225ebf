"""Screenshot evidence and the per-run manifest that lists every file with its SHA-256."""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import datetime
from pathlib import Path

from playwright.async_api import Page
from pydantic import BaseModel, ConfigDict

from optout import __version__
from optout.results import EvidenceRef, Result, utc_now, where

# Masked in every screenshot, whatever the flow says: a filled password must never reach an image.
SECRET_FIELDS = "input[type=password], input[autocomplete=current-password], input[autocomplete=one-time-code]"


class EvidenceFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    sha256: str
    url: str
    taken_at: datetime
    platform: str
    account: str
    setting: str | None
    step: str
    flow_version: str


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str
    command: str
    optout_version: str
    started_at: datetime
    finished_at: datetime | None = None
    flows: dict[str, str]
    files: list[EvidenceFile] = []
    results: list[Result] = []


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "account"


class RunEvidence:
    """One run's folder under `--out`. The manifest is rewritten after every file and result, so a run
    that is killed keeps everything it had recorded."""

    def __init__(self, out_dir: Path, command: str, flows: dict[str, str]) -> None:
        started = utc_now()
        self.run_id = f"run-{started:%Y%m%dT%H%M%S}-{started.microsecond:06d}Z-{command}"
        self.directory = out_dir / self.run_id
        self.directory.mkdir(parents=True, exist_ok=False)
        self.manifest = Manifest(
            run_id=self.run_id, command=command, optout_version=__version__, started_at=started, flows=flows
        )
        self._save()

    @property
    def manifest_path(self) -> Path:
        return self.directory / "manifest.json"

    async def screenshot(
        self, page: Page, *, platform: str, account: str, setting: str | None, step: str
    ) -> EvidenceRef:
        folder = self.directory / platform / _slug(account)
        folder.mkdir(parents=True, exist_ok=True)
        index = sum(1 for f in self.manifest.files if f.platform == platform and f.account == account) + 1
        path = folder / f"{index:02d}-{step}.png"
        # Finished transitions: a toggle caught mid-animation would show neither state.
        await page.screenshot(path=str(path), full_page=True, animations="disabled", mask=[page.locator(SECRET_FIELDS)])
        digest = sha256_of(path)
        self.manifest.files.append(
            EvidenceFile(
                path=str(path.relative_to(self.directory)),
                sha256=digest,
                url=where(page.url),
                taken_at=utc_now(),
                platform=platform,
                account=account,
                setting=setting,
                step=step,
                flow_version=self.manifest.flows.get(platform, ""),
            )
        )
        self._save()
        return EvidenceRef(path=str(path), sha256=digest)

    def record(self, result: Result) -> None:
        self.manifest.results.append(result)
        self._save()

    def finish(self) -> None:
        self.manifest.finished_at = utc_now()
        self._save()

    def _save(self) -> None:
        tmp = self.manifest_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.manifest.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n")
        os.replace(tmp, self.manifest_path)
