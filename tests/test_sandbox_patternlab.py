"""The Pattern Lab in real Chromium against the sandbox's real server: each account's pages show its one
pattern (the dialogs and what their buttons do, the 404, the revert at the next sign-in, the alert once
off, the languages), `/show/NAME` signs a pattern's account in, every write is counted by the server; and
the Lab's own flow runs check then off on every account through the real engine, meeting its examples."""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from optout.accounts import config as accounts
from optout.engine.context import Mode, Options
from optout.evidence.recorder import RunEvidence
from optout.patterns.catalogue import CATALOGUE, NOT_A_VERDICT
from optout.sandbox import accounts_for
from optout.sandbox.patternlab import ORIGIN, PASSWORD, flow
from optout.sandbox.patternlab.site import TRAINING_KEY
from optout.sandbox.patternlab.text import EN, FR
from tests.conftest import Cli, Sandbox

PLATFORM = "patternlab"
SWITCH = "Use my data to train AI"


def user(variant: str) -> str:
    return f"{variant}@lab.example"


def stored(sandbox: Sandbox, variant: str) -> bool:
    value: bool = sandbox.account(user(variant), PLATFORM)["settings"][TRAINING_KEY]
    return value


def writes(sandbox: Sandbox, variant: str) -> list[dict[str, Any]]:
    return list(sandbox.account(user(variant), PLATFORM)["writes"])


@pytest.fixture
async def page(browser: Any, sandbox: Sandbox) -> AsyncIterator[Any]:
    """A fresh English browser on the sandbox (direct: the links carry the /patternlab prefix)."""
    context = await browser.new_context(locale="en-US")
    context.set_default_timeout(5000)
    yield await context.new_page()
    await context.close()


async def show(page: Any, sandbox: Sandbox, name: str) -> None:
    """Open the pattern's account as a class would, by /show/NAME, then go to its privacy page by the menus."""
    await page.goto(f"{sandbox.origin(PLATFORM)}/show/{name}")
    await page.get_by_role("link", name=EN["settings"]).or_(page.get_by_role("link", name=FR["settings"])).click()
    await page.get_by_role("link", name=EN["privacy"]).or_(page.get_by_role("link", name=FR["privacy"])).click()


def checked(page: Any, name: str = SWITCH) -> Any:
    return page.get_by_role("switch", name=name)


# -- the pages, account by account ------------------------------------------------------------------


def test_every_pattern_has_an_account_and_the_clean_one_starts_off() -> None:
    lab = accounts_for(PLATFORM)
    assert [a.variant for a in lab] == ["clean", *(p.name for p in CATALOGUE)]
    assert all(a.password == PASSWORD and a.username == user(a.variant) for a in lab)
    assert [a.username for a in lab if a.language == "fr"] == [user("language_discontinuity")]


async def test_show_signs_in_by_alias_and_lists_the_names_for_an_unknown_one(page: Any, sandbox: Sandbox) -> None:
    await page.goto(f"{sandbox.origin(PLATFORM)}/show/maze")  # an alias of `buried`
    assert page.url.endswith("/patternlab/home")
    assert await page.locator("#lab-account").inner_text() == user("buried")
    assert sandbox.account(user("buried"), PLATFORM)["signins"] == 1
    answer = await page.goto(f"{sandbox.origin(PLATFORM)}/show/nosuch")
    assert answer is not None and answer.status == 404
    names = await page.locator("#pattern-names li").all_inner_texts()
    assert names == ["clean", *(p.name for p in CATALOGUE)]


async def test_sign_in_form_counts_every_submission_and_rejects_a_wrong_password(page: Any, sandbox: Sandbox) -> None:
    await page.goto(f"{sandbox.origin(PLATFORM)}/")
    assert await page.locator("html").get_attribute("lang") == "en"
    await page.get_by_role("link", name="Sign in").click()
    await page.get_by_label("E-mail").fill(user("default_on"))
    await page.get_by_label("Password").fill("wrong")
    await page.get_by_role("button", name="Sign in").click()
    assert EN["err_credentials"] in await page.get_by_role("alert").inner_text()
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/home")
    state = sandbox.account(user("default_on"), PLATFORM)
    assert (state["password_submissions"], state["signins"]) == (2, 1)


async def test_clean_starts_off_and_default_on_saves_off_on_one_click(page: Any, sandbox: Sandbox) -> None:
    await show(page, sandbox, "clean")
    assert await checked(page).get_attribute("aria-checked") == "false"
    await show(page, sandbox, "default_on")
    switch = checked(page)
    assert await switch.get_attribute("aria-checked") == "true"
    await switch.click()
    await page.wait_for_function("document.querySelector('[role=switch]').getAttribute('aria-checked') === 'false'")
    assert stored(sandbox, "default_on") is False and len(writes(sandbox, "default_on")) == 1
    await page.reload()
    assert await checked(page).get_attribute("aria-checked") == "false"
    assert await page.get_by_role("dialog").count() == 0


@pytest.mark.parametrize(
    ("variant", "off", "keep", "words"),
    [
        ("extra_confirmation", "Turn off", "Cancel", EN["dialog_text"]),
        ("confirmshaming", "Turn off, I don't care about better answers", "Keep helping", EN["dialog_text"]),
        ("feature_threat", "Turn off", "Keep it on", EN["threat_text"]),
        ("asymmetric_choice", "Turn off", "Keep AI training on", EN["dialog_text"]),
    ],
)
async def test_a_dialog_confirms_and_its_buttons_do_what_they_say(
    page: Any, sandbox: Sandbox, variant: str, off: str, keep: str, words: str
) -> None:
    await show(page, sandbox, variant)
    switch = checked(page)
    await switch.click()
    dialog = page.get_by_role("dialog", name="Turn off AI training?")
    assert await dialog.get_attribute("aria-modal") == "true"
    assert words in await dialog.inner_text()
    assert writes(sandbox, variant) == []  # the click alone saves nothing
    await dialog.get_by_role("button", name=keep, exact=True).click()
    assert await dialog.is_hidden() and await switch.get_attribute("aria-checked") == "true"
    assert writes(sandbox, variant) == [] and stored(sandbox, variant) is True
    await switch.click()
    await dialog.get_by_role("button", name=off, exact=True).click()
    await page.wait_for_function("document.querySelector('[role=switch]').getAttribute('aria-checked') === 'false'")
    assert [w["requested"] for w in writes(sandbox, variant)] == [False] and stored(sandbox, variant) is False
    await switch.click()  # back on: no dialog asks
    await page.wait_for_function("document.querySelector('[role=switch]').getAttribute('aria-checked') === 'true'")
    assert stored(sandbox, variant) is True and await dialog.is_hidden()


async def test_asymmetric_buttons_differ_in_size_and_contrast(page: Any, sandbox: Sandbox) -> None:
    await show(page, sandbox, "asymmetric_choice")
    await checked(page).click()
    dialog = page.get_by_role("dialog")
    keep = await dialog.get_by_role("button", name="Keep AI training on").bounding_box()
    off = await dialog.get_by_role("button", name="Turn off").bounding_box()
    assert keep is not None and off is not None
    assert (round(keep["width"]), round(keep["height"])) == (320, 56)
    assert off["width"] * off["height"] < keep["width"] * keep["height"] / 2
    style = "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor, getComputedStyle(b).fontSize]"
    assert await dialog.get_by_role("button", name="Turn off").evaluate(style) == [
        "rgb(187, 187, 187)",
        "rgb(255, 255, 255)",
        "12px",
    ]  # #bbb on white: 1.9:1


async def test_buried_double_negative_and_scope_caveat_pages(page: Any, sandbox: Sandbox) -> None:
    await show(page, sandbox, "buried")
    assert await page.get_by_role("switch").count() == 0
    await page.get_by_role("link", name="Data and personalisation").click()
    assert await page.get_by_role("switch").count() == 0
    await page.get_by_role("link", name="AI training").click()
    assert page.url.endswith("/settings/privacy/data/ai")
    assert await checked(page).get_attribute("aria-checked") == "true"
    await show(page, sandbox, "double_negative")
    assert await checked(page, "Do not exclude my data from AI training").get_attribute("aria-checked") == "true"
    await show(page, sandbox, "scope_caveat")
    assert EN["caveat"] in await page.locator("#scope-caveat").inner_text()
    # Only the buried account has pages below the privacy page.
    answer = await page.goto(f"{sandbox.origin(PLATFORM)}/settings/privacy/data")
    assert answer is not None and answer.status == 404


async def test_dead_end_leads_to_a_page_that_is_not_available(page: Any, sandbox: Sandbox) -> None:
    await show(page, sandbox, "dead_end")
    assert await page.get_by_role("switch").count() == 0
    async with page.expect_response("**/help/ai-training") as answer:
        await page.get_by_role("link", name="AI training").click()
    assert (await answer.value).status == 404
    assert await page.get_by_role("heading", level=1).inner_text() == "This page isn't available"
    assert await page.get_by_role("switch").count() == 0


async def test_silent_revert_holds_off_until_the_next_visit(page: Any, browser: Any, sandbox: Sandbox) -> None:
    await show(page, sandbox, "silent_revert")
    await checked(page).click()
    await page.wait_for_function("document.querySelector('[role=switch]').getAttribute('aria-checked') === 'false'")
    await page.reload()
    assert await checked(page).get_attribute("aria-checked") == "false" and stored(sandbox, "silent_revert") is False
    await show(page, sandbox, "silent_revert")  # through home: a new visit
    assert await checked(page).get_attribute("aria-checked") == "true"
    await checked(page).click()
    await page.wait_for_function("document.querySelector('[role=switch]').getAttribute('aria-checked') === 'false'")
    other = await browser.new_context()
    try:
        later = await other.new_page()
        await show(later, sandbox, "silent_revert")  # a new sign-in
        assert await checked(later).get_attribute("aria-checked") == "true"
    finally:
        await other.close()
    # The platform's doing: the log holds the person's writes, both off.
    assert stored(sandbox, "silent_revert") is True
    assert [w["requested"] for w in writes(sandbox, "silent_revert")] == [False, False]


async def test_nag_shows_once_off_on_every_privacy_page(page: Any, sandbox: Sandbox) -> None:
    await show(page, sandbox, "nag_after_optout")
    nag = page.locator("#nag")
    assert await nag.is_hidden()
    await checked(page).click()
    await nag.wait_for(state="visible")
    await page.reload()
    assert EN["nag_text"] in await page.get_by_role("alert").inner_text()
    assert await page.get_by_role("alert").get_by_role("button", name="Turn back on").is_visible()
    assert [w["requested"] for w in writes(sandbox, "nag_after_optout")] == [False]


async def test_language_discontinuity_leaves_only_the_privacy_page_in_english(page: Any, sandbox: Sandbox) -> None:
    await page.goto(f"{sandbox.origin(PLATFORM)}/show/language")
    assert await page.locator("html").get_attribute("lang") == "fr"
    await page.get_by_role("link", name=FR["settings"]).click()
    assert await page.locator("html").get_attribute("lang") == "fr"
    await page.get_by_role("link", name=FR["privacy"]).click()
    assert await page.locator("html").get_attribute("lang") == "en"
    assert await checked(page).get_attribute("aria-checked") == "true"  # the English name
    await page.goto(f"{sandbox.origin(PLATFORM)}/help/ai-training")
    assert await page.locator("html").get_attribute("lang") == "fr"


async def test_a_french_browser_gets_the_french_sign_in_form(browser: Any, sandbox: Sandbox) -> None:
    context = await browser.new_context(locale="fr-FR")
    try:
        page = await context.new_page()
        await page.goto(f"{sandbox.origin(PLATFORM)}/login")
        assert await page.locator("html").get_attribute("lang") == "fr"
        assert await page.get_by_label("Mot de passe").count() == 1
        assert await page.get_by_role("button", name="Se connecter").count() == 1
    finally:
        await context.close()


def test_the_api_answers_signed_in_only_and_counts_every_write(sandbox: Sandbox) -> None:
    base = sandbox.origin(PLATFORM)
    assert httpx.post(f"{base}/api/settings/ai-training", json={"value": False}).status_code == 401
    with httpx.Client(base_url=base, follow_redirects=True) as client:
        assert client.get("/show/preselection").status_code == 200
        assert client.get("/api/settings/ai-training").json() == {"value": True}
        assert client.post("/api/settings/ai-training", json={"value": "no"}).status_code == 400
        assert client.post("/api/settings/ai-training", json={"value": False}).json() == {"value": False}
    state = sandbox.account(user("default_on"), PLATFORM)
    assert state["writes_by_key"] == {TRAINING_KEY: 1} and state["settings"] == {TRAINING_KEY: False}


# -- the Lab's flow through the real engine -------------------------------------------------------


@pytest.fixture
async def lab_runner(browser: Any, sandbox: Sandbox) -> AsyncIterator[Any]:
    from optout.browser.traffic import OriginSpec, build_traffic_map
    from optout.engine.runner import Runner

    traffic = build_traffic_map([OriginSpec(PLATFORM, sandbox.origin(PLATFORM))], {PLATFORM: flow().origins})
    async with Runner(traffic=traffic, options=Options(timeout_s=5.0), browser=browser) as runner:
        yield runner


def lab_target(username: str) -> Any:
    from optout.engine.runner import AccountTarget

    accounts.store_password(PLATFORM, username, PASSWORD)
    french = username == user("language_discontinuity")
    return AccountTarget(
        flow=flow(),
        username=username,
        password=functools.partial(accounts.get_password, PLATFORM, username),
        locale="fr-FR" if french else "en-US",
    )


def test_the_flow_is_not_a_built_in_platform() -> None:
    from optout.language.registry import load_all

    assert PLATFORM not in load_all()
    assert list(flow().origins) == [ORIGIN]
    assert {e.account for e in flow().examples} == {a.username for a in accounts_for(PLATFORM)}


@pytest.mark.slow
async def test_check_then_off_on_every_account_meets_the_flows_examples(
    lab_runner: Any, sandbox: Sandbox, tmp_path: Path, keyring_file: Path
) -> None:
    evidence = RunEvidence(tmp_path / "out", "test", {PLATFORM: flow().version})
    names = [e.account for e in flow().examples]
    checks = await lab_runner.run(Mode.CHECK, [lab_target(n) for n in names], evidence, parallel=2)
    assert all(writes(sandbox, n.split("@")[0]) == [] for n in names)  # a check writes nothing
    offs = await lab_runner.run(Mode.OFF, [lab_target(n) for n in names], evidence, parallel=2)
    wrong = []
    for example, check, off in zip(flow().examples, checks, offs, strict=True):
        assert check.account == off.account == example.account
        got = [(r.outcome.value, r.state.value, r.verified, r.reason) for r in (check, off)]
        if not (example.check.met_by(*got[0]) and example.off.met_by(*got[1])):
            wrong.append((example.account, got))
    assert not wrong, wrong
    # Each page's pattern named by the engine from what it saw, and nothing on the clean page.
    named = {c.account.split("@")[0]: ([p.name for p in c.dark_patterns], [p.name for p in o.dark_patterns])
             for c, o in zip(checks, offs, strict=True)}  # fmt: skip
    on, confirm = ["default_on"], ["default_on", "extra_confirmation"]
    assert named == {
        "clean": ([], []),
        "default_on": (on, on),
        "buried": ([*on, "buried"], [*on, "buried"]),
        "extra_confirmation": (on, confirm),
        "confirmshaming": (on, [*confirm, "confirmshaming"]),
        "feature_threat": (on, [*confirm, "feature_threat"]),
        "asymmetric_choice": (on, [*confirm, "asymmetric_choice"]),
        "double_negative": ([*on, "double_negative"], [*on, "double_negative"]),
        "dead_end": (["dead_end"], ["dead_end"]),
        "silent_revert": (on, on),  # named by a re-check, below
        "nag_after_optout": (on, [*on, "nag_after_optout"]),
        "scope_caveat": ([*on, "scope_caveat"], [*on, "scope_caveat"]),
        "language_discontinuity": ([*on, "language_discontinuity"], [*on, "language_discontinuity"]),
    }
    depth = {c.account.split("@")[0]: c.friction.depth if c.friction else None for c in checks}
    assert (depth["clean"], depth["buried"], depth["dead_end"]) == (2, 4, None)
    (shaming,) = [p for o in offs if o.account.startswith("confirmshaming@") for p in o.dark_patterns
                  if p.name == "confirmshaming"]  # fmt: skip
    assert "I don't care about better answers" in shaming.evidence.text and shaming.evidence.screenshot
    # What the server holds: every account off but the dead end's (never reached), and no "Turn back on".
    for account in accounts_for(PLATFORM):
        variant = account.variant
        assert stored(sandbox, variant) is (variant == "dead_end"), variant
        assert all(w["requested"] is False for w in writes(sandbox, variant)), variant
        assert len(writes(sandbox, variant)) == (0 if variant in ("clean", "dead_end") else 1), variant


@pytest.mark.slow
async def test_silent_revert_is_found_on_by_a_later_check_with_the_same_session_or_a_new_one(
    browser: Any, sandbox: Sandbox, tmp_path: Path, keyring_file: Path
) -> None:
    from optout.browser.traffic import OriginSpec, build_traffic_map
    from optout.engine.runner import Runner

    traffic = build_traffic_map([OriginSpec(PLATFORM, sandbox.origin(PLATFORM))], {PLATFORM: flow().origins})
    evidence = RunEvidence(tmp_path / "out", "test", {PLATFORM: flow().version})
    target = lab_target(user("silent_revert"))
    results = []
    async with Runner(traffic=traffic, options=Options(timeout_s=5.0), browser=browser) as runner:
        for mode in (Mode.OFF, Mode.CHECK, Mode.OFF):  # the session kept, as a saved one is
            (result,) = await runner.run(mode, [target], evidence)
            results.append((result.outcome.value, result.state.value, result.verified))
    assert sandbox.account(user("silent_revert"), PLATFORM)["signins"] == 1
    async with Runner(traffic=traffic, options=Options(timeout_s=5.0), browser=browser) as runner:
        (result,) = await runner.run(Mode.CHECK, [target], evidence)  # a new sign-in
        results.append((result.outcome.value, result.state.value, result.verified))
    switched = ("switched_off", "off", True)
    assert results == [switched, ("checked", "on", False), switched, ("checked", "on", False)]
    assert sandbox.account(user("silent_revert"), PLATFORM)["signins"] == 2


# -- the command line -------------------------------------------------------------------------------


def test_patterns_lists_the_catalogue_readably_and_as_json(cli: Cli) -> None:
    done = cli("patterns", env={"COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    shown = " ".join(done.stdout.split())
    for known in CATALOGUE:
        assert f"{known.name} {known.title}" in shown and " ".join(known.effect.split()) in shown
        assert all(" ".join(ref.split()) in shown for ref in known.refs)
    assert done.stdout.rstrip().endswith(NOT_A_VERDICT.split()[-1]) and " ".join(NOT_A_VERDICT.split()) in shown
    as_json = cli("patterns", "--json")
    assert as_json.returncode == 0
    listed = json.loads(as_json.stdout)
    assert len(listed) >= 10 and all(item["refs"] and item["effect"] for item in listed)
    assert [item["name"] for item in listed] == [p.name for p in CATALOGUE]


def test_sandbox_pattern_prints_a_page_to_open_and_commands_that_run_optout_on_it(cli: Cli, keyring_file: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "optout", "sandbox", "--port", "0", "--pattern", "nag"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**cli.env, "COLUMNS": "80"},
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        while len(lines) < 30 and not (lines and "patternlab=http" in lines[-1]):
            lines.append(proc.stdout.readline())
        said = "".join(lines)
        match = re.search(r"Open: (http://127\.0\.0\.1:\d+/patternlab)/show/nag_after_optout\n", said)
        assert match, said
        lab = match[1]
        assert max(len(line.rstrip("\n")) for line in lines[1:8]) <= 80
        assert "Nagging" in said and "nag_after_optout@lab.example" in said and PASSWORD in said
        assert "alice@example.com" not in said  # the one pattern, not every account
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with opener.open(f"{lab}/show/nag", timeout=10) as answer:  # signed in, then home
            assert answer.url.endswith("/patternlab/home") and "nag_after_optout@lab.example" in answer.read().decode()
        with opener.open(f"{lab}/settings/privacy", timeout=10) as answer:
            page = answer.read().decode()
        assert 'aria-checked="true"' in page and '<div role="alert" id="nag" hidden>' in page
        # The commands it prints run optout's real flow on that account, in a home of their own.
        commands = said.split("in a home of its own:\n", 1)[1]
        # mktemp's folder, kept short: Chromium's sockets under TMPDIR must fit in a socket path.
        with tempfile.TemporaryDirectory(prefix="lab") as short:
            env = {**cli.environ(), "TMPDIR": short}
            done = subprocess.run(["sh", "-c", commands], capture_output=True, text=True, env=env, cwd=cli.home)
        assert done.returncode == 0, done.stderr
        assert "switched_off" in done.stdout
        state = json.loads(urllib.request.urlopen(lab.replace("/patternlab", "/__sandbox__/state")).read())
        assert state["patternlab"]["nag_after_optout@lab.example"]["settings"] == {TRAINING_KEY: False}
        with opener.open(f"{lab}/settings/privacy", timeout=10) as answer:
            page = answer.read().decode()
        assert 'aria-checked="false"' in page and '<div role="alert" id="nag">' in page and EN["nag_text"] in page
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_sandbox_pattern_unknown_is_one_line_exit_2(cli: Cli) -> None:
    done = cli("sandbox", "--port", "0", "--pattern", "nosuch")
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert "nosuch" in line and all(p.name in line for p in CATALOGUE) and "clean" in line
