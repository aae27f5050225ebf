"""Screenshots that show the point: the control outlined, the URL (without its query) and the UTC time
in a caption, a SANDBOX mark on pages a local server answered, the control's excerpt beside each image,
and absolute paths in results. Real Chromium; the pixels are read back from the saved PNGs."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from optout.browser.traffic import OriginSpec, TrafficMap, build_traffic_map
from optout.engine.capture import MARK, OUTLINE_RGB, SANDBOX_RGB, ShownControl
from optout.engine.context import Mode
from optout.engine.screenshots import screenshot
from optout.evidence.manifest import sha256_of
from optout.evidence.recorder import RunEvidence
from optout.results import Outcome, State
from optout.sandbox import SandboxServer
from tests.conftest import FLOWS, Cli, Sandbox, demo_target
from tests.stepsite import APP, StepSite
from tests.test_cli import add

# Each overlay element the page sees added, as it was at that moment (the page's own observer).
RECORD_OVERLAYS = """() => {
  window.overlays = [];
  new MutationObserver(records => records.forEach(r => r.addedNodes.forEach(node => {
    if (node.nodeType !== 1 || !node.hasAttribute('data-optout-evidence')) return;
    const rect = node.getBoundingClientRect();
    window.overlays.push({kind: node.getAttribute('data-optout-evidence'),
      text: node.shadowRoot ? node.shadowRoot.textContent : node.textContent,
      top: rect.top + scrollY, bottom: rect.bottom + scrollY});
  }))).observe(document.documentElement, {childList: true});
}"""

CONTROL_BOX = """el => { const r = el.getBoundingClientRect();
  return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height}; }"""

# The DOM and the scroll position. (Playwright's own screenshot leaves an empty style attribute on text
# inputs, hiding their caret, with or without optout's overlay: that is not counted.)
PAGE_AS_IS = "() => [document.documentElement.outerHTML.replaceAll(' style=\"\"', ''), scrollY]"

CHECKBOX = "<label><input type=checkbox checked id=training> Use my data for training</label>"


def near(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def image(path: Path) -> Image.Image:
    return Image.open(path).convert("RGB")


@dataclass
class Scene:
    page: Any
    site: StepSite
    traffic: TrafficMap


@pytest.fixture(scope="module")
def site_server() -> Iterator[tuple[StepSite, SandboxServer]]:
    site = StepSite()
    with SandboxServer(app=site.app()) as server:
        yield site, server


@pytest.fixture
async def scene(browser: Any, site_server: tuple[StepSite, SandboxServer]) -> AsyncIterator[Any]:
    """A page whose https://app.example.invalid is answered by the step site (a test sets its pages)."""
    site, server = site_server
    site.reset()
    traffic = build_traffic_map([OriginSpec("steps", server.base_url)], {"steps": [APP]})
    assert traffic is not None
    context = await browser.new_context(viewport={"width": 800, "height": 600})
    page = await context.new_page()
    mapped = await traffic.attach(context, page)
    yield Scene(page, site, traffic)
    await mapped.close()
    await context.close()


async def capture(page: Any, evidence: RunEvidence, control: Any | None = None) -> Any:
    shown = None
    if control is not None:
        shown = ShownControl(element=control, role="checkbox", name="Use my data for training", state="on")
    return await screenshot(
        evidence,
        page,
        platform="steps",
        account="pat@example.com",
        setting="training",
        step="check-setting",
        control=shown,
    )


async def test_control_outlined_in_the_image_and_the_page_left_as_it_was(scene: Scene, tmp_path: Path) -> None:
    page = scene.page
    # Far down a long page, scrolled to: the outline must land where the full-page image shows it.
    scene.site.pages["/long"] = (
        f"<!doctype html><title>Long</title><input id=note aria-label=Note><div style='height:1500px'></div>{CHECKBOX}"
        "<div style='height:600px'></div>"
    )
    await page.goto(f"{APP}/long")
    control = page.get_by_role("checkbox", name="Use my data for training")
    await page.get_by_label("Note").focus()
    await control.scroll_into_view_if_needed()
    before = await page.evaluate(PAGE_AS_IS)
    assert before[1] > 0
    evidence = RunEvidence(tmp_path, "test", {"steps": "1"})
    ref = await capture(page, evidence, control)

    box = await control.evaluate(CONTROL_BOX)
    shot = image(Path(ref.path))
    middle_x, middle_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # The 3 px coloured ring sits 3 to 6 px outside the control on every side; the control itself is not covered.
    for x, y in (
        (box["x"] - 4.5, middle_y),
        (box["x"] + box["width"] + 4.5, middle_y),
        (middle_x, box["y"] - 4.5),
        (middle_x, box["y"] + box["height"] + 4.5),
    ):
        assert near(shot.getpixel((round(x), round(y))), OUTLINE_RGB), (x, y)
    assert not near(shot.getpixel((round(middle_x), round(middle_y))), OUTLINE_RGB)
    # Nothing of it left in the page, which is as it was: same DOM, scroll, focus and state.
    assert await page.locator(f"[{MARK}]").count() == 0
    assert await page.evaluate(PAGE_AS_IS) == before
    assert await page.evaluate("document.activeElement.id") == "note"
    assert await control.is_checked()
    # The excerpt beside it records the box the outline was drawn around.
    excerpt = json.loads(Path(ref.path).with_suffix("").with_suffix(".control.json").read_text())
    assert excerpt["box"] == pytest.approx(box)


async def test_caption_shows_url_without_query_time_and_sandbox_mark(scene: Scene, tmp_path: Path) -> None:
    page = scene.page
    scene.site.pages["/cap"] = f"<!doctype html><title>Cap</title><div style='height:300px'></div>{CHECKBOX}"
    await page.goto(f"{APP}/cap?code=secret123#state=secret456")
    await page.evaluate(RECORD_OVERLAYS)
    mapped = RunEvidence(tmp_path / "mapped", "test", {"steps": "1"}, mappings=scene.traffic.routes)
    ref = await capture(page, mapped, page.get_by_role("checkbox"))
    plain = RunEvidence(tmp_path / "plain", "test", {"steps": "1"})
    plain_ref = await capture(page, plain, page.get_by_role("checkbox"))

    seen = await page.evaluate("window.overlays")
    captions = [o for o in seen if o["kind"] == "caption"]
    assert [o["kind"] for o in seen] == ["outline", "caption", "outline", "caption"]
    port = scene.traffic.routes[APP].rsplit(":", 1)[1]
    sandbox_text, plain_text = captions[0]["text"], captions[1]["text"]
    assert f"SANDBOX — served by 127.0.0.1:{port}, not the real site" in sandbox_text
    assert "SANDBOX" not in plain_text
    for text in (sandbox_text, plain_text):
        assert f"{APP}/cap" in text and re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", text)
    for run in (mapped, plain):
        written = " ".join(p.read_text() for p in run.directory.rglob("*.json"))
        assert "secret" not in " ".join(o["text"] for o in seen) + written
        excerpt = json.loads(next(run.directory.rglob("*.control.json")).read_text())
        assert excerpt["url"] == f"{APP}/cap" and excerpt["taken_at"].endswith("Z")
    # The mark is red in the image; without a mapping the caption is not.
    assert captions[0]["top"] == 0
    assert near(image(Path(ref.path)).getpixel((3, 10)), SANDBOX_RGB, 10)
    assert not near(image(Path(plain_ref.path)).getpixel((3, 10)), SANDBOX_RGB, 60)
    manifest = json.loads(mapped.manifest_path.read_text())
    assert manifest["mappings"] == [{"origin": APP, "served_by": scene.traffic.routes[APP]}]
    assert json.loads(plain.manifest_path.read_text())["mappings"] == []


@pytest.mark.parametrize("top", [0, 400])
async def test_caption_never_hides_the_control(scene: Scene, tmp_path: Path, top: int) -> None:
    page = scene.page
    scene.site.pages["/top"] = (
        "<!doctype html><title>Top</title><body style='margin:0'>"
        f"<div style='position:absolute;top:{top}px'>{CHECKBOX}</div><div style='height:1200px'></div>"
    )
    await page.goto(f"{APP}/top")
    await page.evaluate(RECORD_OVERLAYS)
    control = page.get_by_role("checkbox")
    await capture(page, RunEvidence(tmp_path, "test", {"steps": "1"}), control)
    box = await control.evaluate(CONTROL_BOX)
    (caption,) = [o for o in await page.evaluate("window.overlays") if o["kind"] == "caption"]
    assert caption["bottom"] <= box["y"] or caption["top"] >= box["y"] + box["height"]
    assert (caption["top"] == 0) is (top > 0)  # at the top unless the control is there


async def test_no_control_no_outline_no_excerpt(scene: Scene, tmp_path: Path) -> None:
    page = scene.page
    scene.site.pages["/plain"] = f"<!doctype html><title>Plain</title>{CHECKBOX}"
    await page.goto(f"{APP}/plain")
    await page.evaluate(RECORD_OVERLAYS)
    evidence = RunEvidence(tmp_path, "test", {"steps": "1"})
    await capture(page, evidence)
    assert [o["kind"] for o in await page.evaluate("window.overlays")] == ["caption"]
    kinds = [f["kind"] for f in json.loads(evidence.manifest_path.read_text())["files"]]
    assert kinds == ["screenshot", "masked-screenshot"]


# -- through the engine, against the sandbox ---------------------------------------------------------------


def excerpts(evidence: RunEvidence) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every control excerpt of the run with its manifest entry, after checking its hash."""
    manifest = json.loads(evidence.manifest_path.read_text())
    found = []
    for entry in manifest["files"]:
        path = evidence.directory / entry["path"]
        assert sha256_of(path) == entry["sha256"]
        if entry["kind"] == "control":
            assert entry["path"].endswith(".control.json")
            found.append((json.loads(path.read_text()), entry))
    return found


def caption_rows(shot: Image.Image) -> int:
    """How many rows of the image's left edge are the sandbox mark's red."""
    return sum(near(shot.getpixel((2, y)), SANDBOX_RGB, 10) for y in range(shot.height))


async def test_linkedin_off_excerpts_read_on_then_off_with_the_mark(
    runner: Any, sandbox: Sandbox, tmp_path: Path
) -> None:
    evidence = RunEvidence(tmp_path, "test", {"linkedin": FLOWS["linkedin"].version}, mappings=runner.traffic.routes)
    target = demo_target("linkedin", "alice@example.com")
    (result,) = await runner.run(Mode.OFF, [target], evidence)
    assert (result.outcome, result.state) == (Outcome.SWITCHED_OFF, State.OFF)
    found = excerpts(evidence)
    assert [(e["state"], entry["step"]) for e, entry in found] == [
        ("on", "off-before"),
        ("off", "off-after-change"),
        ("off", "off-after-reload"),
    ]
    for excerpt, entry in found:
        assert excerpt["role"] == "switch" and "Use my data for training" in excerpt["name"]
        assert (
            excerpt["url"] == result.url == "https://www.linkedin.com/mypreferences/d/settings/data-for-ai-improvement"
        )
        assert excerpt["screenshot"] == Path(entry["path"]).name.replace(".control.json", ".png")
    # Every image of the run carries the sandbox mark; the page keeps nothing of it.
    for ref in result.evidence:
        assert Path(ref.path).is_absolute() and caption_rows(image(Path(ref.path))) >= 20
    session = await runner.session(target)
    assert await session.page.locator(f"[{MARK}]").count() == 0


async def test_x_check_excerpt_names_the_training_checkbox(runner: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    evidence = RunEvidence(tmp_path, "test", {"x": FLOWS["x"].version}, mappings=runner.traffic.routes)
    target = demo_target("x", "lily@example.com")
    (result,) = await runner.run(Mode.CHECK, [target], evidence)
    assert (result.outcome, result.state) == (Outcome.CHECKED, State.ON)
    ((excerpt, entry),) = excerpts(evidence)
    assert (excerpt["role"], excerpt["state"], entry["step"]) == ("checkbox", "on", "check-setting")
    assert "Grok" in excerpt["name"] or "xAI" in excerpt["name"]
    # The box is the training checkbox's own, among its look-alikes.
    page = (await runner.session(target)).page
    control = page.get_by_role("checkbox", name=excerpt["name"], exact=True)
    assert excerpt["box"] == pytest.approx(await control.evaluate(CONTROL_BOX), abs=1)


# -- the command line -------------------------------------------------------------------------------------


def test_json_paths_absolute_manifest_relative_and_mask_pii_only_masked(cli: Cli, sandbox: Sandbox) -> None:
    add(cli, "alice@example.com", "alice-demo-pass")
    done = cli("check", "--origin", f"linkedin={sandbox.origin()}", "--json", "--out", "rel", "--mask-pii")
    assert done.returncode == 1, done.stderr  # alice's setting is on
    (result,) = json.loads(done.stdout)
    (manifest_path,) = (cli.home / "rel").glob("run-*-check/manifest.json")
    manifest = json.loads(manifest_path.read_text())
    for ref in result["evidence"]:
        path = Path(ref["path"])
        assert path.is_absolute() and path.is_file() and path.parent.parent.parent == manifest_path.parent
    assert manifest["mask_pii"] is True
    assert {m["origin"] for m in manifest["mappings"]} == set(FLOWS["linkedin"].origins)
    kinds = [f["kind"] for f in manifest["files"]]
    assert "screenshot" not in kinds and kinds.count("masked-screenshot") == len(result["evidence"]) >= 1
    for item in manifest["files"]:
        assert not Path(item["path"]).is_absolute() and not item["path"].endswith(".masked.png")
        assert sha256_of(manifest_path.parent / item["path"]) == item["sha256"]


# -- personal data masked -----------------------------------------------------------------------------------

MASK_RGB = (255, 0, 255)  # Playwright's mask colour
AVATAR = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='40' height='40'%3E"
    "%3Ccircle cx='20' cy='20' r='20' fill='%23226633'/%3E%3C/svg%3E"
)
PROFILE_PAGE = (
    "<!doctype html><title>Profile</title><body style='margin:0'><div style='height:80px'></div>"
    f"<div data-testid=profile style='display:inline-block'><img alt='Pat Doe' src=\"{AVATAR}\"> Pat Doe</div>"
    f"<p id=mail>Signed in as PAT@Example.com</p><p id=other>Nothing personal here</p>{CHECKBOX}"
)


def centre(box: dict[str, float]) -> tuple[int, int]:
    return round(box["x"] + box["width"] / 2), round(box["y"] + box["height"] / 2)


async def test_masked_twin_hides_username_and_declared_regions(scene: Scene, tmp_path: Path) -> None:
    from optout.language.targets import Target

    page = scene.page
    scene.site.pages["/profile"] = PROFILE_PAGE
    await page.goto(f"{APP}/profile")
    boxes = {
        name: await page.locator(selector).evaluate(CONTROL_BOX)
        for name, selector in (("profile", "[data-testid=profile]"), ("mail", "#mail"), ("other", "#other"))
    }
    pii = [Target(selector="[data-testid=profile]")]
    both = RunEvidence(tmp_path / "both", "test", {"steps": "1"})
    ref = await screenshot(both, page, platform="steps", account="pat@example.com", setting=None, step="s", pii=pii)
    masked_path = Path(ref.path).with_name(Path(ref.path).name.replace(".png", ".masked.png"))
    shown, masked = image(Path(ref.path)), image(masked_path)
    for name in ("profile", "mail"):
        assert near(masked.getpixel(centre(boxes[name])), MASK_RGB, 5), name
        assert not near(shown.getpixel(centre(boxes[name])), MASK_RGB, 60), name
    assert not near(masked.getpixel(centre(boxes["other"])), MASK_RGB, 60)
    # With --mask-pii, only the masked image, under the primary name.
    only = RunEvidence(tmp_path / "only", "test", {"steps": "1"}, mask_pii=True)
    ref = await screenshot(only, page, platform="steps", account="pat@example.com", setting=None, step="s", pii=pii)
    assert [p.name for p in Path(ref.path).parent.iterdir()] == ["01-s.png"]
    assert near(image(Path(ref.path)).getpixel(centre(boxes["profile"])), MASK_RGB, 5)
    entries = json.loads(only.manifest_path.read_text())["files"]
    assert [(e["path"].rsplit("/", 1)[1], e["kind"]) for e in entries] == [("01-s.png", "masked-screenshot")]


async def test_chatgpt_account_button_masked_by_the_flow(runner: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    evidence = RunEvidence(tmp_path, "test", {"chatgpt": FLOWS["chatgpt"].version})
    target = demo_target("chatgpt", "ada@example.com")
    (result,) = await runner.run(Mode.CHECK, [target], evidence)
    assert result.outcome is Outcome.CHECKED, result.reason
    page = (await runner.session(target)).page
    button = await page.locator("[data-testid=accounts-profile-button]").evaluate(CONTROL_BOX)
    (ref,) = result.evidence
    shown = image(Path(ref.path))
    masked = image(Path(ref.path).with_name(Path(ref.path).name.replace(".png", ".masked.png")))
    assert near(masked.getpixel(centre(button)), MASK_RGB, 5)
    assert not near(shown.getpixel(centre(button)), MASK_RGB, 60)


async def test_linkedin_member_photo_masked_by_the_flow(runner: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    evidence = RunEvidence(tmp_path, "test", {"linkedin": FLOWS["linkedin"].version})
    target = demo_target("linkedin", "alice@example.com")
    (result,) = await runner.run(Mode.CHECK, [target], evidence)
    assert result.outcome is Outcome.CHECKED, result.reason
    # The settings app has no global navigation; the member's photo sits in it on every other page.
    page = (await runner.session(target)).page
    await page.goto("https://www.linkedin.com/feed/")
    photo = page.get_by_role("img", name="Alice")
    assert await photo.evaluate("img => img.naturalWidth") > 0  # a real image, inline: no network
    box = await photo.evaluate(CONTROL_BOX)
    policy = FLOWS["linkedin"].evidence
    assert policy is not None
    pii = policy.pii
    ref = await screenshot(
        evidence, page, platform="linkedin", account=target.username, setting=None, step="f", pii=pii
    )
    shown = image(Path(ref.path))
    masked = image(Path(ref.path).with_name(Path(ref.path).name.replace(".png", ".masked.png")))
    assert near(masked.getpixel(centre(box)), MASK_RGB, 5)
    assert not near(shown.getpixel(centre(box)), MASK_RGB, 60)


async def test_username_in_the_url_masks_the_caption_line_but_never_the_sandbox_mark(
    scene: Scene, tmp_path: Path
) -> None:
    page = scene.page
    scene.site.pages["/pat/settings"] = f"<!doctype html><title>Pat</title><div style='height:300px'></div>{CHECKBOX}"
    await page.goto(f"{APP}/pat/settings")
    run = RunEvidence(tmp_path / "run", "test", {"steps": "1"}, mappings=scene.traffic.routes, mask_pii=True)
    ref = await screenshot(run, page, platform="steps", account="pat", setting=None, step="s")
    masked = image(Path(ref.path))
    # The red SANDBOX mark (first line of the caption) is shown in the masked image.
    assert near(masked.getpixel((3, 10)), SANDBOX_RGB, 10)
    assert not near(masked.getpixel((3, 10)), MASK_RGB, 60)


def region(picture: Image.Image, box: dict[str, float], inset: int = 3) -> list[tuple[int, int, int]]:
    """The pixels inside `box`, `inset` px in from its border."""
    left, top = round(box["x"]) + inset, round(box["y"]) + inset
    right, bottom = round(box["x"] + box["width"]) - inset, round(box["y"] + box["height"]) - inset
    return list(picture.crop((left, top, right, bottom)).getdata())  # type: ignore[arg-type]


async def test_the_email_typed_at_a_sign_in_stop_is_masked_in_the_shared_copy(
    runner: Any, sandbox: Sandbox, tmp_path: Path
) -> None:
    # A mistyped password: LinkedIn shows its sign-in page again, the e-mail still typed into its field
    # (a field's value is no text on the page). The run stops there and keeps a screenshot.
    evidence = RunEvidence(tmp_path, "test", {"linkedin": FLOWS["linkedin"].version})
    target = demo_target("linkedin", "wes@example.com", password="wes-typo-pass")
    (result,) = await runner.run(Mode.CHECK, [target], evidence)
    assert result.outcome is Outcome.FAILED and result.reason and "rejected" in result.reason, result.reason
    page = (await runner.session(target)).page
    field = page.locator("#username")
    assert await field.input_value() == "wes@example.com"
    box = await field.evaluate(CONTROL_BOX)
    (ref,) = result.evidence
    shown = image(Path(ref.path))
    masked = image(Path(ref.path).with_name(Path(ref.path).name.replace(".png", ".masked.png")))
    # The plain copy shows the typed e-mail (dark text in the field); the copy for sharing covers it all.
    assert any(sum(pixel) < 300 for pixel in region(shown, box)), "no text in the plain copy's field"
    assert all(near(pixel, MASK_RGB, 5) for pixel in region(masked, box))


async def test_a_value_typed_into_a_field_is_masked_like_the_pages_own_text(scene: Scene, tmp_path: Path) -> None:
    # A code page that keeps the e-mail typed before it, in a field (no value attribute: typed, not served),
    # in upper case; and a field holding something else, which stays visible.
    scene.site.pages["/code"] = (
        "<!doctype html><title>Code</title><h1>Enter the code</h1>"
        "<p><input id=mail style='font-size:24px'></p><p><input id=other value=Nothing style='font-size:24px'></p>"
    )
    page = scene.page
    await page.goto(f"{APP}/code")
    await page.fill("#mail", "PAT@example.com")
    boxes = {name: await page.locator(f"#{name}").evaluate(CONTROL_BOX) for name in ("mail", "other")}
    evidence = RunEvidence(tmp_path, "test", {"steps": "1"})
    ref = await screenshot(evidence, page, platform="steps", account="pat@example.com", setting=None, step="s")
    shown = image(Path(ref.path))
    masked = image(Path(ref.path).with_name(Path(ref.path).name.replace(".png", ".masked.png")))
    assert any(sum(pixel) < 300 for pixel in region(shown, boxes["mail"]))
    assert all(near(pixel, MASK_RGB, 5) for pixel in region(masked, boxes["mail"]))
    assert any(sum(pixel) < 300 for pixel in region(masked, boxes["other"]))
    # Nothing of the masking stays in the page.
    assert await page.evaluate("() => document.querySelectorAll('[data-optout-pii]').length") == 0
