"""Screenshots never show a filled password; the manifest's hashes match the files."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from optout.browser.traffic import OriginSpec, build_traffic_map
from optout.engine.screenshots import screenshot
from optout.evidence.manifest import sha256_of
from optout.evidence.recorder import RunEvidence
from tests.conftest import LINKEDIN, Sandbox


async def pixel(page: Any, png: Path, x: float, y: float) -> list[int]:
    """Decode the PNG in the browser and read one pixel (no imaging library needed)."""
    data = base64.b64encode(png.read_bytes()).decode()
    return await page.evaluate(
        """async ([data, x, y]) => {
             const img = new Image(); img.src = 'data:image/png;base64,' + data; await img.decode();
             const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
             const g = c.getContext('2d'); g.drawImage(img, 0, 0);
             return Array.from(g.getImageData(Math.round(x), Math.round(y), 1, 1).data.slice(0, 3));
           }""",
        [data, x, y],
    )


async def test_filled_password_is_masked_and_manifest_hashes_match(
    browser: Any, sandbox: Sandbox, tmp_path: Path
) -> None:
    traffic = build_traffic_map([OriginSpec("linkedin", sandbox.origin())], {"linkedin": LINKEDIN.origins})
    assert traffic is not None
    context = await browser.new_context()
    page = await context.new_page()
    mapped = await traffic.attach(context, page)
    try:
        await page.goto("https://www.linkedin.com/login")
        await page.get_by_label("Email or phone").fill("alice@example.com")
        password = page.get_by_label("Password")
        await password.fill("a-very-visible-password")
        evidence = RunEvidence(tmp_path, "test", {"linkedin": LINKEDIN.version})
        ref = await screenshot(
            evidence, page, platform="linkedin", account="alice@example.com", setting=None, step="login"
        )
        box = await password.bounding_box()
        user_box = await page.get_by_label("Email or phone").bounding_box()
        viewer = await context.new_page()
        shot = Path(ref.path)
        assert await pixel(viewer, shot, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2) == [255, 0, 255]
        assert await pixel(viewer, shot, user_box["x"] + 3, user_box["y"] + user_box["height"] / 2) != [255, 0, 255]
        manifest = json.loads(evidence.manifest_path.read_text())
        entry, masked = manifest["files"]
        assert (entry["kind"], masked["kind"]) == ("screenshot", "masked-screenshot")
        assert entry["sha256"] == sha256_of(shot) == ref.sha256
        assert masked["sha256"] == sha256_of(evidence.directory / masked["path"])
        assert entry["url"] == "https://www.linkedin.com/login" and entry["flow_version"] == LINKEDIN.version
        assert entry["taken_at"].endswith("Z") or "+00:00" in entry["taken_at"]
    finally:
        await mapped.close()
        await context.close()


async def test_every_account_gets_its_own_folder(browser: Any, tmp_path: Path) -> None:
    """Names that reduce to the same safe characters must not share (and overwrite) a folder."""
    names = ["a/b@x.com", "a_b@x.com", "a b@x.com", "../a_b@x.com", "A_B@X.COM"]
    context = await browser.new_context()
    page = await context.new_page()
    try:
        evidence = RunEvidence(tmp_path, "test", {"linkedin": LINKEDIN.version})
        refs = {}
        for name in names:
            await page.set_content(f"<h1>{name}</h1>")  # a different picture per account
            refs[name] = await screenshot(evidence, page, platform="linkedin", account=name, setting=None, step="s")
    finally:
        await context.close()
    folders = {Path(ref.path).parent for ref in refs.values()}
    assert len(folders) == len(names)
    assert all(folder.parent == evidence.directory / "linkedin" for folder in folders)
    manifest = json.loads(evidence.manifest_path.read_text())
    assert [f["account"] for f in manifest["files"] if f["kind"] == "screenshot"] == names
    for item in manifest["files"]:
        assert sha256_of(evidence.directory / item["path"]) == item["sha256"]
    shown = {item["sha256"] for item in manifest["files"] if item["kind"] == "screenshot"}
    masked = {item["sha256"] for item in manifest["files"] if item["kind"] == "masked-screenshot"}
    assert len(shown) == len(names) and not shown & masked  # each name is masked in its masked twin
