"""The walkthrough's page, read in a real Chromium: its screenshots (real ones, of a page served on
127.0.0.1) load from the folder with no network, the text is large and readable on a projector and on a
phone, and every text from a platform's page is escaped."""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser

from optout.browser.video import find_ffmpeg
from optout.patterns.catalogue import NOT_A_VERDICT, named, pattern
from optout.results import DarkPattern, Friction, PatternEvidence, State
from optout.trainer.page import WalkStep, Walkthrough, write_walkthrough_html

SETTINGS = b"""<!doctype html><title>Settings</title>
<body style="font: 18px sans-serif; margin: 0">
<header style="background:#0a66c2;color:#fff;padding:12px 24px;font-size:22px">Sample network</header>
<main style="padding:24px"><h1>Data privacy</h1>
<p>How we use your data</p>
<label id="switch"><input type="checkbox" id="ai" checked> Data for Generative AI Improvement</label>
<dialog id="confirm"><p>Are you sure? You will miss out on better suggestions.</p>
<button id="keep">Keep it on</button> <button id="off">Turn off</button></dialog>
</main></body>"""

HOSTILE = '<script>alert(1)</script> & "quotes" <img src=x onerror=alert(2)>'


class _Settings(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(SETTINGS)))
        self.end_headers()
        self.wfile.write(SETTINGS)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Settings)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


async def shoot_steps(browser: Browser, origin: str, folder: Path) -> list[str]:
    """Real screenshots of the sample page, one per step, the element acted on outlined."""
    (folder / "steps").mkdir(parents=True, exist_ok=True)
    context = await browser.new_context(viewport={"width": 1280, "height": 720})
    page = await context.new_page()
    await page.goto(origin)
    names = []
    for number, (selector, act) in enumerate(
        [("h1", None), ("#switch", "#ai"), ("#off", None), ("#switch", None)], start=1
    ):
        if selector == "#off":
            await page.evaluate("document.getElementById('confirm').showModal()")
        if number == 4:
            await page.evaluate("document.getElementById('confirm').close()")
        await page.eval_on_selector(selector, "e => e.style.outline = '6px solid #e3007a'")
        name = f"steps/{number:02d}.png"
        await page.screenshot(path=str(folder / name))
        await page.eval_on_selector(selector, "e => e.style.outline = ''")
        if act:
            await page.click(act)
        names.append(name)
    await context.close()
    return names


def sample(folder: Path, shots: list[str], *, video: str | None = "walkthrough.webm") -> Walkthrough:
    captions = [
        "the settings page opens on Data privacy",
        "the setting is three menus deep, and it is on",
        "a dialog asks to confirm, with a guilt-laden choice",
        "the setting now reads off",
    ]
    kinds = ["open", "found", "confirm", "verify"]
    steps = [
        WalkStep(number=i, total=len(shots), caption=f"Step {i} of {len(shots)}: {c}", screenshot=s, kind=k)
        for i, (c, s, k) in enumerate(zip(captions, shots, kinds, strict=True), start=1)
    ]
    patterns: list[DarkPattern] = [
        named("default_on", "The first reading found the setting on."),
        named("buried", "Three menus deep: Me › Settings › Data privacy.", numbers={"depth": 3.0}),
        named("confirmshaming", f"The dialog says: {HOSTILE}", screenshot=shots[2]),
        DarkPattern(name="not_in_catalogue", evidence=PatternEvidence(text="an observation"), refs=[]),
    ]
    return Walkthrough(
        title="Sample network: switching off Data for Generative AI Improvement",
        platform="Sample network",
        account=f"alice@example.com {HOSTILE}",
        setting="Data for Generative AI Improvement",
        outcome="switched_off",
        state="off",
        started_at=datetime(2026, 12, 7, 5, 30, tzinfo=timezone.utc),
        steps=steps,
        friction=Friction(
            clicks=4,
            keystrokes=0,
            page_loads=3,
            depth=3,
            seconds_to_control=12.5,
            confirmations=1,
            first_state=State.ON,
        ),
        patterns=patterns,
        video=video,
        video_missing_reason=None if video else "no ffmpeg found to record the video with (apt-get install ffmpeg)",
    )


VP9 = ("-c:v", "libvpx-vp9", "-b:v", "100k")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [v for k, v in attrs if k in ("src", "href") and v is not None]


def test_the_page_holds_every_part_escaped_and_relative(tmp_path: Path) -> None:
    shots = ["steps/01.png", "steps/02.png", "steps/03.png", "steps/04.png"]
    page = write_walkthrough_html(sample(tmp_path, shots), tmp_path / "walk")
    assert page == tmp_path / "walk" / "walkthrough.html"
    html = page.read_text(encoding="utf-8")
    parsed = _Links()
    parsed.feed(html)
    assert "script" not in parsed.tags and "link" not in parsed.tags
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "onerror=alert(2)>" not in html
    # Every link stays in the folder (or on the page): nothing to fetch from a network.
    assert all(not re.match(r"^[a-z]+:|^/", link) and ".." not in link for link in parsed.links), parsed.links
    for number, shot in enumerate(shots, start=1):
        assert f'src="{shot}"' in html
        assert f"Step {number} of 4: " in html
    assert html.count('src="steps/03.png"') == 2  # the step, and the confirmshaming evidence
    assert NOT_A_VERDICT in html
    for name in ("default_on", "buried", "confirmshaming"):
        known = pattern(name)
        assert known is not None
        assert known.title in html and known.effect in html
        assert all(ref in html.replace("&#39;", "'") for ref in known.refs)
    assert "not in catalogue" in html  # an unknown name is still shown, in words
    assert "depth: 3<" in html
    assert '<video controls preload="metadata" src="walkthrough.webm">' in html
    for meaning in ("Clicks", "Keystrokes", "Page loads", "Depth", "Seconds to the switch", "Confirmations"):
        assert f'<span class="label">{meaning}</span>' in html
    assert '<span class="value">on</span> <span class="label">First state</span>' in html

    without = write_walkthrough_html(sample(tmp_path, shots, video=None), tmp_path / "novideo")
    text = without.read_text(encoding="utf-8")
    assert "<video" not in text
    assert "No video: no ffmpeg found to record the video with (apt-get install ffmpeg)" in text


# Each element with text of its own: its colour against the first opaque background behind it, and its size.
READABILITY = """() => {
  const rgb = s => s.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => [r, g, b]
    .map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const out = [];
  for (const e of document.querySelectorAll('body *')) {
    if (![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const style = getComputedStyle(e);
    if (style.display === 'none' || e.closest('video')) continue;
    let bg = null;
    for (let p = e; p && !bg; p = p.parentElement) {
      const c = rgb(getComputedStyle(p).backgroundColor);
      if (c.length < 4 || c[3] === 1) bg = c;
    }
    bg = bg || [255, 255, 255];
    const [l1, l2] = [lum(rgb(style.color)), lum(bg)].sort((a, b) => b - a);
    out.push({tag: e.tagName, text: e.textContent.trim().slice(0, 40), ratio: (l1 + 0.05) / (l2 + 0.05),
              size: parseFloat(style.fontSize)});
  }
  return out;
}"""


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (375, 812)], ids=["projector", "phone"])
async def test_the_page_reads_well_in_a_real_browser(
    browser: Browser, origin: str, tmp_path: Path, width: int, height: int
) -> None:
    folder = tmp_path / "walk"
    shots = await shoot_steps(browser, origin, folder)
    page_file = write_walkthrough_html(sample(folder, shots), folder)
    ffmpeg = find_ffmpeg()
    video = folder / "walkthrough.webm"
    if ffmpeg is not None:  # a real (tiny) VP9 video where the page expects one
        made = subprocess.run(
            [str(ffmpeg), "-loglevel", "error", "-f", "lavfi", "-i", "color=c=blue:s=320x240:d=1", *VP9, str(video)],
            capture_output=True,
            check=False,
        )
        assert made.returncode == 0, made.stderr
    # No network for the page: anything it tried to fetch from elsewhere would be counted here.
    context = await browser.new_context(viewport={"width": width, "height": height}, offline=True)
    page = await context.new_page()
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    await page.goto(page_file.as_uri())
    await page.wait_for_load_state("load")
    for img in await page.query_selector_all("img"):
        await img.scroll_into_view_if_needed()
    # Not wait_for_function: it polls by evaluating a string, which the page's CSP forbids (as it should).
    await page.evaluate(
        "() => Promise.all([...document.images].map(i => i.complete ? 0 : new Promise(r => i.onload = i.onerror = r)))"
    )
    widths: list[Any] = await page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.naturalWidth, i.clientWidth])")
    assert len(widths) == 5 and all(natural == 1280 for natural, _ in widths), widths
    assert all(0 < shown <= width for _, shown in widths)
    assert all(url.startswith("file://") for url in fetched), fetched
    assert await page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    assert await page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 20
    texts: list[dict[str, Any]] = await page.evaluate(READABILITY)
    low = [t for t in texts if t["ratio"] < 4.5]
    assert not low, low
    small = [t for t in texts if t["size"] < 16]
    assert not small, small
    assert await page.eval_on_selector("video", "v => v.getAttribute('src')") == "walkthrough.webm"
    if ffmpeg is not None:  # it plays from the folder, under the page's CSP
        metadata = (
            "v => v.readyState >= 1 || new Promise(r => {"
            " v.onloadedmetadata = () => r(1); v.onerror = () => r(0); setTimeout(() => r(0), 5000); })"
        )
        assert await page.eval_on_selector("video", metadata)
        assert await page.eval_on_selector("video", "v => v.videoWidth") == 320
    await page.screenshot(path=str(tmp_path / f"page-{width}.png"), full_page=True)
    await context.close()


def test_a_walkthrough_that_stopped_early_still_reads(tmp_path: Path) -> None:
    empty = Walkthrough(
        title="Sample network: switching off AI training",
        platform="Sample network",
        account="bob@example.com",
        setting="AI training",
        outcome="needs_attention",
        state="unknown",
        started_at=datetime(2026, 12, 7, 5, 30),
        steps=[],
        friction=None,
        patterns=[],
        video=None,
    )
    html = write_walkthrough_html(empty, tmp_path).read_text(encoding="utf-8")
    assert "No step was recorded." in html
    assert 'id="friction"' not in html
    assert "No pattern was named on this run." in html and NOT_A_VERDICT in html
    assert "No video: none was recorded." in html
    assert "needs attention" in html and "2026-12-07 05:30 UTC" in html
