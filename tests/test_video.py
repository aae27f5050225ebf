"""Playwright's video recorder, working without Playwright's own ffmpeg build: a real Chromium records a
page that changes, and the .webm it writes is a real Matroska file."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from optout.browser import video
from optout.browser.launch import LAUNCH_ARGS, find_browser
from tests.conftest import REPO

EBML_MAGIC = bytes.fromhex("1A45DFA3")
PAGE = b"""<!doctype html><title>video</title>
<body style="font: 40px sans-serif"><h1 id="t">start</h1>
<button id="b" onclick="document.body.style.background = ['#fc0','#0cf','#f0c'][++window.n % 3];
document.getElementById('t').textContent = 'step ' + window.n">next</button>
<script>window.n = 0</script></body>"""


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: object) -> None:  # the base class's name
        pass


@pytest.fixture
def origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.skipif(video.find_ffmpeg() is None, reason="no ffmpeg on this machine")
async def test_a_context_records_a_webm_video(origin: str, tmp_path: Path) -> None:
    with video.recording_enabled() as why_not:
        assert why_not is None
        playwright = await async_playwright().start()
    try:
        choice = find_browser(Path(playwright.chromium.executable_path), shell=True)  # as a walkthrough's
        browser = await playwright.chromium.launch(
            executable_path=str(choice.executable) if choice.executable else None, args=list(LAUNCH_ARGS)
        )
        context = await browser.new_context(
            record_video_dir=str(tmp_path / "videos"), record_video_size={"width": 640, "height": 360}
        )
        page = await context.new_page()
        await page.goto(origin)
        for step in range(1, 5):
            await page.click("#b")
            assert await page.text_content("#t") == f"step {step}"
            await page.wait_for_timeout(250)
        assert page.video is not None
        await context.close()
        recorded = Path(await page.video.path())
        await browser.close()
    finally:
        await playwright.stop()
    assert recorded.parent == tmp_path / "videos"
    assert recorded.suffix == ".webm"
    data = recorded.read_bytes()
    assert len(data) > 1024, len(data)
    assert data[:4] == EBML_MAGIC


def test_the_environment_is_restored_after(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # An empty registry of our own: Playwright's ffmpeg is missing there, so the shim is used.
    registry = tmp_path / "registry"
    (registry / "chromium-1").mkdir(parents=True)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(registry))
    if video.other_ffmpeg() is None:
        pytest.skip("no ffmpeg on this machine")
    with video.recording_enabled() as why_not:
        assert why_not is None
        shim = Path(os.environ["PLAYWRIGHT_BROWSERS_PATH"])
        assert shim != registry
        linked = shim / f"ffmpeg-{video.ffmpeg_revision()}" / str(video.executable_name())
        assert linked.resolve() == video.other_ffmpeg().resolve()  # type: ignore[union-attr]
        assert (shim / "chromium-1").resolve() == (registry / "chromium-1").resolve()
        assert video.find_ffmpeg() == linked  # as the driver started now would find it
    assert os.environ["PLAYWRIGHT_BROWSERS_PATH"] == str(registry)

    monkeypatch.delenv("PLAYWRIGHT_BROWSERS_PATH")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with video.recording_enabled():
        assert "PLAYWRIGHT_BROWSERS_PATH" in os.environ
    assert "PLAYWRIGHT_BROWSERS_PATH" not in os.environ


def test_with_no_ffmpeg_anywhere_it_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # an import that fails, installed or not
    assert video.find_ffmpeg() is None
    with video.recording_enabled() as why_not:
        assert why_not is not None
        assert "apt-get install --no-install-recommends ffmpeg" in why_not
        assert "python -m playwright install ffmpeg" in why_not
        assert os.environ["PLAYWRIGHT_BROWSERS_PATH"] == str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "optout.browser.video"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PATH": str(tmp_path), "PYTHONPATH": str(REPO)},
        check=False,
    )
    # imageio_ffmpeg may be installed in the subprocess's interpreter; without it, the answer is 1.
    if done.returncode == 1:
        assert done.stderr.startswith("optout: no ffmpeg found to record the video with")
    else:
        assert done.returncode == 0 and "imageio" in done.stdout
