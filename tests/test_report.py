"""`optout report` and `optout export` through the real command line, on real runs against the sandbox: the
HTML report opened in real Chromium (nothing requested but the file itself, the table read from the page,
images decoded, the history, dark mode, a hostile username kept as text), JSON and Markdown, and bundles
checked with the real `sha256sum -c` and `openssl pkeyutl -verify`."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import resource
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from optout.evidence.output_file import OutputRefused, create_new
from optout.sandbox import SandboxServer
from tests.conftest import Cli, cli_under
from tests.test_cli import add

ALICE = "alice@example.com"
HOSTILE = "<img src=x onerror=alert(1)>"
SETTING = "generative-ai-training"
TITLE = "Data for Generative AI Improvement"  # what the LinkedIn flow calls that setting


@dataclass
class Runs:
    cli: Cli
    check: Path  # alice (on) and the hostile account (sign-in fails)
    off: Path  # alice switched off

    def manifest(self, folder: Path) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((folder / "manifest.json").read_bytes())
        return data


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, sandbox_server: SandboxServer, keyring_file: Path) -> Runs:
    """Two real runs in one home, made once for this module: check (alice on) then off (alice off)."""
    root = tmp_path_factory.mktemp("report")
    cli = cli_under(root)
    httpx.post(f"{sandbox_server.base_url}/__sandbox__/reset", timeout=10).raise_for_status()
    add(cli, ALICE, "alice-demo-pass")
    add(cli, HOSTILE, "not-a-sandbox-password")
    origin = f"linkedin={sandbox_server.origin_url('linkedin')}"
    checked = cli("check", "linkedin", "--origin", origin, "--out", "ev", "--timeout", "5")
    assert checked.returncode == 3, checked.stderr  # alice on, the hostile account cannot sign in
    switched = cli("off", "--account", ALICE, "--origin", origin, "--out", "ev", "--timeout", "5")
    assert switched.returncode == 0, switched.stderr
    (check,) = (cli.home / "ev").glob("run-*-check")
    (off,) = (cli.home / "ev").glob("run-*-off")
    return Runs(cli, check, off)


def one_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("optout: error: "), done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


async def open_report(browser: Any, path: Path, *, color_scheme: str = "light") -> tuple[Any, Any, list[str]]:
    context = await browser.new_context(color_scheme=color_scheme)
    page = await context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    await page.goto(path.as_uri())
    return context, page, requested


TABLE_ROWS = "sel => [...document.querySelectorAll(sel)].map(tr => [...tr.cells].map(td => td.textContent.trim()))"


# -- HTML ------------------------------------------------------------------------------------------


async def test_html_report_is_self_contained_and_shows_the_run(runs: Runs, browser: Any) -> None:
    done = runs.cli("report", "--latest", "--format", "html")
    assert done.returncode == 0, done.stderr
    report = runs.off / "report.html"
    assert done.stdout.strip() == str(report.relative_to(runs.cli.home))
    context, page, requested = await open_report(browser, report)
    try:
        assert requested == [report.as_uri()]  # images embedded, no style sheet, font or script fetched
        assert await page.evaluate("document.scripts.length") == 0
        rows = await page.evaluate(TABLE_ROWS, "#summary-table tbody tr")
        assert len(rows) == 1
        platform, account, setting, state, when, verified, outcome, reason = rows[0]
        assert (platform, account, setting, state, verified, outcome, reason) == (
            "linkedin",
            ALICE,
            f"{TITLE} {SETTING}",
            "off",
            "yes",
            "switched_off",
            "",
        )
        assert when[:10] == runs.off.name[4:8] + "-" + runs.off.name[8:10] + "-" + runs.off.name[10:12]
        sizes = await page.evaluate("[...document.images].map(i => [i.complete, i.naturalWidth])")
        steps = [f["step"] for f in runs.manifest(runs.off)["files"] if f["kind"] == "screenshot"]
        assert len(sizes) == len(steps) == 3 and all(ok and width > 0 for ok, width in sizes), sizes
        history = await page.evaluate(TABLE_ROWS, "table.history tbody tr")
        assert [row[1] for row in history] == ["on", "off"]  # the check run, then this one
        assert runs.check.name in history[0][4] and "(this run)" in history[1][4] and history[1][5] == "changed"
        assert "valid" in await page.locator("#signature").inner_text()
        light = await page.evaluate("getComputedStyle(document.body).backgroundColor")
        await page.emulate_media(color_scheme="dark")
        dark = await page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert light == "rgb(255, 255, 255)" and dark != light
    finally:
        await context.close()


async def test_hostile_username_renders_as_text(runs: Runs, browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "check.html"
    done = runs.cli("report", runs.check.name, "--out", str(out))
    assert done.returncode == 0, done.stderr
    context, page, requested = await open_report(browser, out)
    try:
        assert requested == [out.as_uri()]
        rows = await page.evaluate(TABLE_ROWS, "#summary-table tbody tr")
        accounts = {row[1]: row for row in rows}
        assert set(accounts) == {ALICE, HOSTILE}
        assert accounts[HOSTILE][6] == "failed" and accounts[ALICE][3] == "on"
        assert await page.locator("img[src='x']").count() == 0
        headings = await page.locator("article.setting h2").all_inner_texts()
        assert f"linkedin · {HOSTILE} · {TITLE} {SETTING}" in headings
        (why,) = [r["reason"] for r in runs.manifest(runs.check)["results"] if r["account"] == HOSTILE]
        assert why and accounts[HOSTILE][7] == why  # the reason column says why it failed
        # Up to and including this run: alice's later "off" is not in the check run's history.
        alice = page.locator("article.setting", has_text=f"linkedin · {ALICE}")
        states = await alice.evaluate(
            "a => [...a.querySelectorAll('table.history tbody tr')].map(r => r.cells[1].innerText)"
        )
        assert states == ["on"]
    finally:
        await context.close()
    assert HOSTILE not in out.read_text()  # escaped in the source, not merely inert


# -- JSON and Markdown -------------------------------------------------------------------------------


def test_json_report_matches_the_manifest(runs: Runs) -> None:
    done = runs.cli("report", runs.check.name, "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    manifest = runs.manifest(runs.check)
    assert data["run_id"] == manifest["run_id"] and data["command"] == "check"
    keys = ("platform", "account", "setting", "state", "outcome", "verified", "reason")
    assert [{k: s[k] for k in keys} for s in data["settings"]] == [{k: r[k] for k in keys} for r in manifest["results"]]
    assert [(f["path"], f["sha256"]) for f in data["files"]] == [(f["path"], f["sha256"]) for f in manifest["files"]]
    assert all(f["status"] == "intact" for f in data["files"])
    integrity = data["integrity"]
    assert integrity["manifest_sha256"] == hashlib.sha256((runs.check / "manifest.json").read_bytes()).hexdigest()
    assert integrity["signature"] == "valid" and integrity["signing_key"] == manifest["signing_key"]


def test_markdown_report_has_the_table_row_and_every_hash(runs: Runs) -> None:
    done = runs.cli("report", str(runs.off), "--format", "md")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    (result,) = runs.manifest(runs.off)["results"]
    when = result["finished_at"][:19].replace("T", " ")
    assert f"| linkedin | {ALICE} | {TITLE} (`{SETTING}`) | off | {when} UTC | yes | switched\\_off |  |" in text
    for entry in runs.manifest(runs.off)["files"]:
        assert f"`{entry['path']}` | `{entry['sha256']}`" in text
    assert "openssl pkeyutl -verify" in text and "on (checked)" in text  # the earlier state, from the check run
    hostile = runs.cli("report", runs.check.name, "--format", "md").stdout
    assert HOSTILE not in hostile and "&lt;img src=x onerror=alert(1)&gt;" in hostile


def test_unknown_run_and_broken_history_are_one_line(runs: Runs, cli: Cli) -> None:
    assert "unknown run 'run-nope'" in one_line(runs.cli("report", "run-nope"), 2)
    assert "unknown run" in one_line(runs.cli("export", "run-nope", "--out", "x.zip"), 2)
    assert not (runs.cli.home / "x.zip").exists()
    assert "no run is recorded" in one_line(cli("report"), 2)
    (cli.home / "history.db").write_bytes(b"this is not a database" * 100)
    assert "history database" in one_line(cli("report", "--latest"), 3)


# -- export --------------------------------------------------------------------------------------------


def unzip(bundle: Path, into: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(into)
        return {name: archive.read(name) for name in archive.namelist()}


def standard_checks(folder: Path, members: dict[str, bytes], *, signed: bool = True) -> None:
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert sums.returncode == 0, sums.stdout + sums.stderr
    listed = [line.split("  ", 1)[1] for line in members["SHA256SUMS"].decode().splitlines()]
    assert sorted(listed) == sorted(set(members) - {"SHA256SUMS"})
    if not signed:
        return
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: the signature cannot be checked with standard tools here")
    verify = [openssl, "pkeyutl", "-verify", "-pubin", "-inkey", "signing-key.pem", "-rawin"]
    checked = subprocess.run(
        [*verify, "-in", "manifest.json", "-sigfile", "manifest.sig"], cwd=folder, capture_output=True, text=True
    )
    assert checked.returncode == 0 and "Signature Verified Successfully" in checked.stdout, checked


def embedded(html: bytes, image: bytes) -> bool:
    return base64.b64encode(image) in html


def test_export_is_checked_by_standard_tools(runs: Runs, tmp_path: Path) -> None:
    manifest = runs.manifest(runs.off)
    shots = [f["path"] for f in manifest["files"] if f["kind"] == "screenshot"]
    out = tmp_path / "off.zip"
    done = runs.cli("export", runs.off.name, "--out", str(out))
    assert done.returncode == 0, done.stderr
    members = unzip(out, tmp_path / "masked")
    standard_checks(tmp_path / "masked", members)
    assert members["manifest.json"] == (runs.off / "manifest.json").read_bytes()
    assert members["manifest.sig"] == (runs.off / "manifest.sig").read_bytes()
    readme = members["README.txt"].decode()
    assert "sha256sum -c SHA256SUMS" in readme and "openssl pkeyutl -verify" in readme
    assert manifest["previous"]["run_id"] == runs.check.name and runs.check.name in readme
    # Masked by default: each screenshot travels as its masked copy only, in the files and in the report.
    assert len(shots) == 3
    for path in shots:
        twin = path[: -len(".png")] + ".masked.png"
        assert path not in members and f"  {path}: no masked copy" not in readme
        plain = (runs.off / path).read_bytes()
        # A page showing nothing of the account (LinkedIn's settings app has no member photo) masks to the
        # very same image: only a copy that differs can tell a leak.
        if plain != members[twin]:
            assert not embedded(members["report.html"], plain)
        assert members[twin] == (runs.off / twin).read_bytes() and embedded(members["report.html"], members[twin])
        assert path[: -len(".png")] + ".control.json" in members

    again = runs.cli("export", runs.off.name, "--out", str(out))
    assert "already exists" in one_line(again, 2) and out.read_bytes() == (tmp_path / "off.zip").read_bytes()

    plain = tmp_path / "plain.zip"
    done = runs.cli("export", str(runs.off), "--out", str(plain), "--no-mask-pii")
    assert done.returncode == 0, done.stderr
    members = unzip(plain, tmp_path / "plain")
    standard_checks(tmp_path / "plain", members)
    for path in shots:
        data = (runs.off / path).read_bytes()
        assert members[path] == data and embedded(members["report.html"], data)
    forced = runs.cli("export", runs.off.name, "--out", str(plain), "--force")
    assert forced.returncode == 0 and "manifest.sig" in zipfile.ZipFile(plain).namelist()


def png(red: int, green: int, blue: int, size: int = 8) -> bytes:
    """A real PNG of one colour (Chromium decodes it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\0" + bytes([red, green, blue]) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * size)) + chunk(b"IEND", b"")
    )


@pytest.fixture
def twinned(runs: Runs, tmp_path: Path) -> Iterator[Path]:
    """A copy of the off run whose first two screenshots have masked copies (one with `kind`, one named
    only) and the first a control excerpt; the third has none. Unsigned: its manifest was rewritten."""
    folder = tmp_path / runs.off.name
    shutil.copytree(runs.off, folder)
    (folder / "manifest.sig").unlink()
    (folder / "report.html").unlink(missing_ok=True)
    manifest = runs.manifest(folder)
    manifest["signing_key"] = None
    # Start from screenshots alone (as a run made before masked copies existed): drop the run's own
    # masked copies and excerpts, then make them for the first two only.
    for entry in manifest["files"]:
        if entry.get("kind", "screenshot") != "screenshot":
            (folder / entry["path"]).unlink()
    files = [f for f in manifest["files"] if f.get("kind", "screenshot") == "screenshot"]
    extra = []
    for index, shot in enumerate(files[:2]):
        entry = {k: v for k, v in shot.items() if k != "kind"}  # the second copy is known by its name only
        stem = entry["path"][: -len(".png")]
        data = png(40 * index, 200, 90)
        (folder / f"{stem}.masked.png").write_bytes(data)
        twin = {**entry, "path": f"{stem}.masked.png", "sha256": hashlib.sha256(data).hexdigest()}
        if index == 0:
            twin["kind"] = "masked-screenshot"
            control = json.dumps({"role": "switch", "name": f"Use my data {HOSTILE}", "state": "on"}).encode()
            (folder / f"{stem}.control.json").write_bytes(control)
            excerpt = {**entry, "kind": "control", "path": f"{stem}.control.json"}
            extra.append({**excerpt, "sha256": hashlib.sha256(control).hexdigest()})
        extra.append(twin)
    manifest["files"] = files + extra
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    yield folder


async def test_masked_bundle_never_carries_an_unmasked_image(
    runs: Runs, twinned: Path, tmp_path: Path, browser: Any
) -> None:
    manifest = runs.manifest(twinned)
    originals = [f["path"] for f in manifest["files"][:3]]
    out = tmp_path / "twins.zip"
    done = runs.cli("export", str(twinned), "--out", str(out))
    assert done.returncode == 0, done.stderr
    members = unzip(out, tmp_path / "twins")
    standard_checks(tmp_path / "twins", members, signed=False)
    assert "manifest.sig" not in members and "NOT signed" in members["README.txt"].decode()
    for path in originals:
        assert path not in members and not embedded(members["report.html"], (twinned / path).read_bytes())
    for path in originals[:2]:
        twin = path[: -len(".png")] + ".masked.png"
        assert members[twin] == (twinned / twin).read_bytes() and embedded(members["report.html"], members[twin])
    assert originals[0][: -len(".png")] + ".control.json" in members
    readme = members["README.txt"].decode()
    assert f"  {originals[2]}: no masked copy" in readme and originals[0] + ":" not in readme

    context, page, requested = await open_report(browser, tmp_path / "twins" / "report.html")
    try:
        assert requested == [(tmp_path / "twins" / "report.html").as_uri()]
        sizes = await page.evaluate("[...document.images].map(i => i.naturalWidth)")
        assert sizes == [8, 8]  # the two masked copies; the third is withheld
        assert await page.locator(".withheld").count() == 1
        control = await page.locator("dl.control").first.inner_text()
        assert "switch" in control and f"Use my data {HOSTILE}" in control
    finally:
        await context.close()


def test_export_that_cannot_be_written_leaves_nothing(runs: Runs, tmp_path: Path) -> None:
    probe = tmp_path / "probe.zip"
    assert runs.cli("export", runs.off.name, "--out", str(probe), "--no-mask-pii").returncode == 0
    limit = probe.stat().st_size // 2
    assert all(p.stat().st_size < limit for p in runs.cli.home.glob("history.db*")), "history larger than the limit"
    disk = tmp_path / "disk"
    disk.mkdir()
    out = disk / "bundle.zip"

    def small_disk() -> None:
        # Python ignores SIGXFSZ: a write past the limit fails with EFBIG, as a full disk would.
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run(
        [sys.executable, "-m", "optout", "export", runs.off.name, "--out", str(out), "--no-mask-pii"],
        capture_output=True,
        text=True,
        env=runs.cli.environ(),
        cwd=runs.cli.home,
        preexec_fn=small_disk,
        timeout=120,
    )
    line = one_line(done, 3)
    assert f"the disk is full: cannot write {out}" in line and "nothing was written" in line
    assert list(disk.iterdir()) == []
    missing = tmp_path / "no-such-folder" / "bundle.zip"
    assert "cannot write" in one_line(runs.cli("export", runs.off.name, "--out", str(missing)), 3)
    assert not missing.parent.exists()


def test_a_report_that_cannot_be_written_names_its_path_and_why(runs: Runs) -> None:
    done = runs.cli("report", runs.off.name, "--format", "md", "--out", "no-such-folder/report.md")
    line = one_line(done, 3)
    assert line == "optout: error: cannot write the report to no-such-folder/report.md: no such file or directory"
    assert not (runs.cli.home / "no-such-folder").exists()


@pytest.mark.parametrize("pointer", ["absolute", "relative"])
def test_a_run_folder_bringing_its_own_key_is_not_trusted(runs: Runs, tmp_path: Path, pointer: str) -> None:
    """A copy of the check run says alice's setting was switched off, re-signed with a key that came with the
    folder, and its manifest's `signing_key` points at that key's file: keys come from the home's keys/ by
    id only, so the signature is not valid there, and the bundle carries no key but the home's."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from optout.evidence.signing import public_pem

    folder = tmp_path / "forged" / runs.check.name
    shutil.copytree(runs.check, folder)
    (folder / "report.html").unlink(missing_ok=True)
    forger = Ed25519PrivateKey.generate()
    (folder / "own.pem").write_bytes(public_pem(forger.public_key()))
    manifest = runs.manifest(folder)
    manifest["results"][0].update(state="off", outcome="switched_off", verified=True)
    own = folder / "own"  # the report adds ".pem"
    manifest["signing_key"] = str(own) if pointer == "absolute" else os.path.relpath(own, runs.cli.home / "keys")
    data = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    (folder / "manifest.json").write_bytes(data)
    (folder / "manifest.sig").write_bytes(forger.sign(data))

    done = runs.cli("report", str(folder), "--format", "json")
    assert done.returncode == 0, done.stderr
    integrity = json.loads(done.stdout)["integrity"]
    assert (integrity["signature"], integrity["public_key"]) == ("key not found", None)

    out = tmp_path / "forged.zip"
    done = runs.cli("export", str(folder), "--out", str(out))
    assert done.returncode == 0, done.stderr
    members = unzip(out, tmp_path / "unzipped")
    assert "signing-key.pem" not in members and members["manifest.sig"] == (folder / "manifest.sig").read_bytes()
    assert "signing-key.pem is NOT included" in members["README.txt"].decode()


# -- --out writes only regular files ------------------------------------------------------------------


def test_out_never_writes_through_a_link(runs: Runs, tmp_path: Path) -> None:
    kept = tmp_path / "precious.txt"
    kept.write_text("keep me\n")
    link = tmp_path / "report.html"
    link.symlink_to(kept)
    zipped = tmp_path / "bundle.zip"
    zipped.symlink_to(kept)
    for args in (
        ["report", "--out", str(link)],
        ["report", "--out", str(link), "--force"],
        ["report", "--format", "md", "--out", str(link), "--force"],
        ["export", runs.off.name, "--out", str(zipped), "--force"],
        ["report", "--out", str(tmp_path), "--force"],  # the default name inside the folder is the link
    ):
        line = one_line(runs.cli(*args), 2)
        assert "is a symbolic link" in line and "nothing was written" in line, line
    assert link.is_symlink() and zipped.is_symlink() and kept.read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle.zip", "precious.txt", "report.html"]


def test_out_refuses_a_fifo_and_a_link_to_a_device_even_with_force(runs: Runs, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    null = tmp_path / "null.zip"
    null.symlink_to(os.devnull)
    for args in (
        ["report", "--out", str(fifo), "--force"],
        ["report", "--format", "json", "--out", str(fifo), "--force"],
        ["export", runs.off.name, "--out", str(fifo), "--force"],
    ):
        line = one_line(runs.cli(*args), 2)
        assert f"{fifo} is a named pipe (FIFO): optout writes only regular files, even with --force" in line, line
    line = one_line(runs.cli("export", runs.off.name, "--out", str(null), "--force"), 2)
    assert "is a symbolic link" in line
    assert fifo.is_fifo() and null.is_symlink() and os.readlink(null) == os.devnull
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null.zip", "pipe"]


def test_out_keeps_an_existing_file_without_force(runs: Runs, tmp_path: Path) -> None:
    mine = tmp_path / "mine.html"
    mine.write_text("my own notes\n")
    for args in (["report", "--out", str(mine)], ["report", "--format", "md", "--out", str(mine)]):
        line = one_line(runs.cli(*args), 2)
        assert line == f"optout: error: {mine} already exists; pass --force to replace it", line
    assert mine.read_text() == "my own notes\n"
    forced = runs.cli("report", "--out", str(mine), "--force")
    assert forced.returncode == 0, forced.stderr
    assert mine.read_text().startswith("<!DOCTYPE html>") and forced.stdout.strip() == str(mine)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.html"]


def test_a_file_made_after_the_check_is_not_replaced_without_force(tmp_path: Path) -> None:
    """The path was free when --out was checked; another program (or a second optout) made it before the
    report was written: it is refused, and kept as it is, with nothing left beside it."""
    mine = tmp_path / "report.html"
    mine.write_text("written meanwhile\n")
    with pytest.raises(OutputRefused, match="already exists; pass --force to replace it"):
        create_new(mine, b"<!DOCTYPE html>")
    (tmp_path / "link.html").symlink_to(tmp_path / "elsewhere.html")
    with pytest.raises(OutputRefused):
        create_new(tmp_path / "link.html", b"<!DOCTYPE html>")
    assert mine.read_text() == "written meanwhile\n" and not (tmp_path / "elsewhere.html").exists()
    create_new(tmp_path / "new.html", b"<!DOCTYPE html>")
    assert (tmp_path / "new.html").read_bytes() == b"<!DOCTYPE html>"
    assert (tmp_path / "new.html").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.html", "new.html", "report.html"]


def test_out_folder_gets_the_default_name(runs: Runs, tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    done = runs.cli("report", "--out", str(folder))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(folder / "report.html")
    assert (folder / "report.html").read_text().startswith("<!DOCTYPE html>")
    md = runs.cli("report", "--format", "md", "--out", str(folder))
    assert md.returncode == 0 and (folder / "report.md").read_text().startswith("# optout report")
    again = runs.cli("report", "--out", str(folder))
    assert "already exists; pass --force" in one_line(again, 2)
    exported = runs.cli("export", runs.off.name, "--out", str(folder))
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.strip() == str(folder / f"{runs.off.name}.zip")
    assert "manifest.json" in zipfile.ZipFile(folder / f"{runs.off.name}.zip").namelist()
    assert sorted(p.name for p in folder.iterdir()) == sorted([f"{runs.off.name}.zip", "report.html", "report.md"])


# -- a --mask-pii run (as the demo makes): its reports show the masked images --------------------------


@dataclass
class MaskedRun:
    cli: Cli
    folder: Path
    manifest: dict[str, Any]


@pytest.fixture(scope="module")
def masked_run(
    tmp_path_factory: pytest.TempPathFactory, sandbox_server: SandboxServer, keyring_file: Path
) -> MaskedRun:
    """A --mask-pii check, as the demo runs: alice (on) and pat (stopped at a PIN checkpoint: a reason)."""
    root = tmp_path_factory.mktemp("masked")
    cli = cli_under(root)
    httpx.post(f"{sandbox_server.base_url}/__sandbox__/reset", timeout=10).raise_for_status()
    add(cli, ALICE, "alice-demo-pass")
    add(cli, "pat@example.com", "pat-demo-pass")
    origin = f"linkedin={sandbox_server.origin_url('linkedin')}"
    checked = cli("check", "linkedin", "--origin", origin, "--out", "ev", "--mask-pii")
    assert checked.returncode == 3, checked.stdout + checked.stderr  # pat needs attention
    (folder,) = (cli.home / "ev").glob("run-*-check")
    manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_bytes())
    assert manifest["mask_pii"] is True
    return MaskedRun(cli, folder, manifest)


async def shows_its_masked_images(browser: Any, report: Path, run: MaskedRun, images: dict[str, bytes]) -> None:
    """The report embeds every masked capture (decoded by Chromium), names the setting by its title and
    gives pat's reason in the summary."""
    html = report.read_bytes()
    masked = [f["path"] for f in run.manifest["files"] if f["kind"] == "masked-screenshot"]
    assert masked and html.count(b'<img src="data:image/png;base64,') == len(masked)
    for path in masked:
        assert embedded(html, images[path]), path
    context, page, requested = await open_report(browser, report)
    try:
        assert requested == [report.as_uri()]
        sizes = await page.evaluate("[...document.images].map(i => [i.complete, i.naturalWidth])")
        assert len(sizes) == len(masked) and all(ok and width > 0 for ok, width in sizes), sizes
        assert await page.locator(".withheld").count() == 0
        rows = {row[1]: row for row in await page.evaluate(TABLE_ROWS, "#summary-table tbody tr")}
        (why,) = [r["reason"] for r in run.manifest["results"] if r["account"] == "pat@example.com"]
        assert why and rows["pat@example.com"][7] == why
        assert rows[ALICE][2] == rows["pat@example.com"][2] == f"{TITLE} {SETTING}"
    finally:
        await context.close()


async def test_report_of_a_mask_pii_run_shows_its_images(masked_run: MaskedRun, browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "masked.html"
    done = masked_run.cli("report", masked_run.folder.name, "--out", str(out))
    assert done.returncode == 0, done.stderr
    files = {f["path"]: (masked_run.folder / f["path"]).read_bytes() for f in masked_run.manifest["files"]}
    await shows_its_masked_images(browser, out, masked_run, files)


async def test_bundle_of_a_mask_pii_run_shows_its_images(masked_run: MaskedRun, browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "masked.zip"
    done = masked_run.cli("export", masked_run.folder.name, "--out", str(out))
    assert done.returncode == 0, done.stderr
    members = unzip(out, tmp_path / "bundle")
    standard_checks(tmp_path / "bundle", members)
    readme = members["README.txt"].decode()
    assert "WITHHELD FILES" in readme and readme.split("WITHHELD FILES", 1)[1].count("no masked copy") == 0
    await shows_its_masked_images(browser, tmp_path / "bundle" / "report.html", masked_run, members)


def test_report_shows_the_masked_copy_of_a_missing_screenshot(runs: Runs, tmp_path: Path) -> None:
    folder = tmp_path / runs.off.name
    shutil.copytree(runs.off, folder)
    (folder / "report.html").unlink(missing_ok=True)
    first = next(f["path"] for f in runs.manifest(folder)["files"] if f["kind"] == "screenshot")
    (folder / first).unlink()
    out = tmp_path / "report.html"
    done = runs.cli("report", str(folder), "--out", str(out))
    assert done.returncode == 0, done.stderr
    html = out.read_bytes()
    twin = (folder / (first[: -len(".png")] + ".masked.png")).read_bytes()
    assert embedded(html, twin) and b'class="withheld"' not in html
    assert f"{first} (shown: its masked copy".encode() in html
