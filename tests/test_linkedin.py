"""LinkedIn's flow end to end (and the engine with it) in real Chromium against the sandbox, one
behaviour per sandbox account; every test reads the sandbox server's own state to prove what changed and
what did not."""

from __future__ import annotations

import asyncio
import functools
import time
from pathlib import Path
from typing import Any

import pytest

from optout.accounts import config as accounts
from optout.engine.context import Mode, Options
from optout.evidence.manifest import sha256_of
from optout.evidence.recorder import RunEvidence
from optout.language.flow import Flow
from optout.results import Outcome, Result, State
from optout.sandbox import find_account
from tests.conftest import LINKEDIN, AlertsSeen, Sandbox

KEY = "allowDataForGenerativeAI"


def target(username: str, *, password: str | None = None, locale: str | None = None) -> Any:
    from optout.engine.runner import AccountTarget

    demo = find_account("linkedin", username)
    assert demo is not None
    accounts.store_password("linkedin", username, password or demo.password)
    return AccountTarget(
        flow=LINKEDIN,
        username=username,
        password=functools.partial(accounts.get_password, "linkedin", username),
        locale=locale,
    )


@pytest.fixture
def evidence(tmp_path: Path) -> RunEvidence:
    return RunEvidence(tmp_path / "out", "test", {"linkedin": LINKEDIN.version})


async def run(runner: Any, mode: Mode, username: str, evidence: RunEvidence, **kw: Any) -> Result:
    (result,) = await runner.run(mode, [target(username, **kw)], evidence)
    return result


def writes(sandbox: Sandbox, username: str) -> list[dict[str, Any]]:
    return list(sandbox.account(username)["writes"])


async def test_check_reads_on_and_changes_nothing(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    result = await run(runner, Mode.CHECK, "alice@example.com", evidence)
    assert (result.outcome, result.state, result.verified) == (Outcome.CHECKED, State.ON, False)
    assert result.url == "https://www.linkedin.com/mypreferences/d/settings/data-for-ai-improvement"
    assert writes(sandbox, "alice@example.com") == []
    assert sandbox.account("alice@example.com")["settings"][KEY] is True
    (shot,) = result.evidence
    assert Path(shot.path).is_file() and sha256_of(Path(shot.path)) == shot.sha256


async def test_off_switches_off_and_verifies_after_reload(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    result = await run(runner, Mode.OFF, "alice@example.com", evidence)
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True)
    assert sandbox.account("alice@example.com")["settings"][KEY] is False
    assert [(w["key"], w["requested"]) for w in writes(sandbox, "alice@example.com")] == [(KEY, False)]
    steps = [Path(e.path).stem for e in result.evidence]
    assert steps == ["01-off-before", "02-off-after-change", "03-off-after-reload"]


async def test_off_when_already_off_clicks_nothing(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    result = await run(runner, Mode.OFF, "olivia@example.com", evidence)
    assert (result.outcome, result.state) == (Outcome.ALREADY_OFF, State.OFF)
    assert writes(sandbox, "olivia@example.com") == []


async def test_french_account_with_drifted_wording(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    result = await run(runner, Mode.OFF, "camille@example.fr", evidence, locale="fr-FR")
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True)
    assert sandbox.account("camille@example.fr")["settings"][KEY] is False


async def test_late_rendering_and_slow_save(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    result = await run(runner, Mode.OFF, "lena@example.com", evidence)
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True)
    assert sandbox.account("lena@example.com")["settings"][KEY] is False


async def test_moved_deep_link_falls_back_to_the_menus(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    result = await run(runner, Mode.OFF, "mo@example.com", evidence)
    assert (result.outcome, result.state) == (Outcome.SWITCHED_OFF, State.OFF)
    assert result.url is not None and result.url.endswith("/settings/data-for-generative-ai-improvement")
    assert sandbox.account("mo@example.com")["settings"][KEY] is False


def through_the_menus(flow: Flow) -> Flow:
    """The flow with its menu path as the only way to the setting."""
    setting = flow.settings[0]
    return flow.model_copy(
        update={"settings": [setting.model_copy(update={"open": setting.open_fallback, "open_fallback": []})]}
    )


@pytest.mark.parametrize(
    ("username", "locale", "menus_only"),
    [("mo@example.com", None, False), ("camille@example.fr", "fr-FR", True)],
    ids=["deep-link-moved", "french-menu-path"],
)
async def test_the_settings_app_without_the_global_nav_is_recognised_as_signed_in(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence, username: str, locale: str | None, menus_only: bool
) -> None:
    # The way to the setting passes the settings app's category pages, which show their own menu and
    # no global navigation bar: a signed-in page all the same, in check and in off.
    from optout.engine.runner import AccountTarget

    flow = through_the_menus(LINKEDIN) if menus_only else LINKEDIN
    plain = target(username, locale=locale)
    account = AccountTarget(flow, plain.username, plain.password, locale=locale)
    (checked,) = await runner.run(Mode.CHECK, [account], evidence)
    assert (checked.outcome, checked.state) == (Outcome.CHECKED, State.ON), checked.reason
    assert writes(sandbox, username) == []
    (result,) = await runner.run(Mode.OFF, [account], evidence)
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True), result.reason
    assert [(w["key"], w["requested"]) for w in writes(sandbox, username)] == [(KEY, False)]
    assert sandbox.account(username)["settings"][KEY] is False


async def test_change_that_does_not_stick_fails_verified_on(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    result = await run(runner, Mode.OFF, "sam@example.com", evidence)
    assert (result.outcome, result.state, result.verified) == (Outcome.FAILED, State.ON, True)
    assert result.reason and "did not stick" in result.reason
    assert len(writes(sandbox, "sam@example.com")) == 1  # one click, never a retry
    assert sandbox.account("sam@example.com")["settings"][KEY] is True


async def test_layout_changed_fails_without_clicking(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    result = await run(runner, Mode.OFF, "lou@example.com", evidence)
    assert (result.outcome, result.state) == (Outcome.FAILED, State.UNKNOWN)
    assert result.reason and "nothing was clicked" in result.reason
    assert writes(sandbox, "lou@example.com") == []  # not even the look-alike switch on that page
    assert all(sandbox.account("lou@example.com")["settings"].values())
    assert result.evidence and Path(result.evidence[0].path).is_file()


@pytest.mark.parametrize(
    ("username", "words"),
    [
        ("pat@example.com", "verification code"),
        ("casey@example.com", "CAPTCHA"),
        ("rita@example.com", "restricted"),
        ("abe@example.com", "approve the sign-in in the LinkedIn app"),
    ],
)
async def test_challenges_need_attention_quickly_when_nobody_is_there(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence, username: str, words: str
) -> None:
    started = time.monotonic()
    result = await run(runner, Mode.OFF, username, evidence)
    assert (result.outcome, result.state) == (Outcome.NEEDS_ATTENTION, State.UNKNOWN)
    assert result.reason and words in result.reason
    assert time.monotonic() - started < 30  # bounded: no wait for a person who is not there
    account = sandbox.account(username)
    assert account["password_submissions"] == 1 and account["code_submissions"] == 0
    assert writes(sandbox, username) == [] and account["settings"][KEY] is True
    assert result.evidence  # a screenshot of the challenge


async def test_person_completes_pin_in_the_window_then_the_run_carries_on(
    browser: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    from optout.browser.traffic import OriginSpec, build_traffic_map
    from optout.engine.runner import Runner

    traffic = build_traffic_map([OriginSpec("linkedin", sandbox.origin())], {"linkedin": LINKEDIN.origins})
    reporter = AlertsSeen()

    options = Options(timeout_s=5.0, interactive=True, human_timeout_s=60)
    async with Runner(traffic=traffic, options=options, browser=browser, reporter=reporter) as runner:
        account = target("pat@example.com")
        session = await runner.session(account)

        async def person() -> None:
            # What the person does in the headed window once asked: type the PIN from their e-mail.
            await asyncio.wait_for(reporter.asked.wait(), 30)
            pin = session.page.get_by_label("Verification code")
            await pin.fill("424242")
            await session.page.get_by_role("button", name="Submit").click()

        (result,), _ = await asyncio.gather(runner.run(Mode.OFF, [account], evidence), person())
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True)
    assert any("Complete it in the browser window" in a for a in reporter.alerts)
    assert sandbox.account("pat@example.com")["code_submissions"] == 1
    assert sandbox.account("pat@example.com")["settings"][KEY] is False


async def test_wrong_password_is_submitted_once_per_run(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    account = target("alice@example.com", password="not-her-password")
    (checked,) = await runner.run(Mode.CHECK, [account], evidence)
    (switched,) = await runner.run(Mode.OFF, [account], evidence)
    for result in (checked, switched):
        assert (result.outcome, result.state) == (Outcome.FAILED, State.UNKNOWN)
        assert result.reason and "rejected" in result.reason and result.label == "sign_in_rejected"
    assert sandbox.account("alice@example.com")["password_submissions"] == 1
    assert writes(sandbox, "alice@example.com") == []


async def test_session_is_reused_for_a_second_pass(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    account = target("alice@example.com")
    (checked,) = await runner.run(Mode.CHECK, [account], evidence)
    (switched,) = await runner.run(Mode.OFF, [account], evidence)
    assert (checked.outcome, switched.outcome) == (Outcome.CHECKED, Outcome.SWITCHED_OFF)
    assert sandbox.account("alice@example.com")["password_submissions"] == 1


async def test_one_failure_does_not_stop_the_others(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    names = ["lou@example.com", "casey@example.com", "alice@example.com"]
    results = await runner.run(Mode.OFF, [target(n) for n in names], evidence)
    assert [r.outcome for r in results] == [Outcome.FAILED, Outcome.NEEDS_ATTENTION, Outcome.SWITCHED_OFF]
    assert sandbox.account("alice@example.com")["settings"][KEY] is False
    manifest = evidence.manifest_path.read_text()
    assert all(n in manifest for n in names)  # each result recorded as it finished


async def test_ambiguous_control_stops_without_clicking(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    # A flow pointed at a page where its control's name is shown several times (the "Like" button
    # of every post in LinkedIn's feed): the engine must refuse to pick one.
    from optout.engine.runner import AccountTarget
    from optout.language.steps import GotoStep
    from optout.language.targets import Signal, Target

    setting = LINKEDIN.settings[0]
    control = setting.control.model_copy(
        update={"target": Target(role="button", name=setting.title.model_validate({"en": "Like", "fr": "J'aime"}))}
    )
    page_url = "https://www.linkedin.com/feed/"
    flow = LINKEDIN.model_copy(
        update={
            "settings": [
                setting.model_copy(
                    update={
                        "url": page_url,
                        "open": [GotoStep(goto=page_url)],
                        "open_fallback": [],
                        "page": [Signal(url="linkedin.com/feed/")],
                        "control": control,
                    }
                )
            ]
        }
    )
    plain = target("alice@example.com")
    (result,) = await runner.run(Mode.OFF, [AccountTarget(flow, plain.username, plain.password)], evidence)
    assert (result.outcome, result.state) == (Outcome.FAILED, State.UNKNOWN)
    assert result.reason and "refusing to guess" in result.reason and "nothing was clicked" in result.reason
    assert result.url == page_url


async def test_placeholder_state_is_not_trusted_until_the_page_settles(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    # hana's page first shows a placeholder "On", then loads the real value (Off). Acting on the
    # first reading would click the switch and turn sharing on.
    (checked,) = await runner.run(Mode.CHECK, [target("hana@example.com")], evidence)
    (switched,) = await runner.run(Mode.OFF, [target("hana@example.com")], evidence)
    assert (checked.outcome, checked.state) == (Outcome.CHECKED, State.OFF)
    assert (switched.outcome, switched.state) == (Outcome.ALREADY_OFF, State.OFF)
    assert writes(sandbox, "hana@example.com") == []
    assert sandbox.account("hana@example.com")["settings"][KEY] is False


async def test_unreadable_state_fails_closed(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    # A flow whose control is an element with no checked state (a link) must not take it for "off".
    from optout.engine.runner import AccountTarget
    from optout.language.targets import Target

    setting = LINKEDIN.settings[0]
    link = Target.model_validate({"role": "link", "name": {"en": "Learn more", "fr": "En savoir plus"}})
    control = setting.control.model_copy(update={"target": link})
    flow = LINKEDIN.model_copy(update={"settings": [setting.model_copy(update={"control": control})]})
    plain = target("alice@example.com")
    (result,) = await runner.run(Mode.OFF, [AccountTarget(flow, plain.username, plain.password)], evidence)
    assert (result.outcome, result.state) == (Outcome.FAILED, State.UNKNOWN)
    assert result.reason and "aria-checked" in result.reason
    assert writes(sandbox, "alice@example.com") == []


async def test_failure_screenshot_on_the_sign_in_page_masks_the_password(
    runner: Any, browser: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    # The sign-in button's name changed: the run stops on the sign-in page with the password typed in.
    from optout.engine.runner import AccountTarget
    from optout.language.steps import ClickStep
    from optout.language.targets import Target
    from tests.test_evidence import pixel

    steps = [
        *LINKEDIN.login.steps[:2],
        ClickStep(
            click=Target.model_validate({"role": "button", "name": {"en": "Log on", "fr": "Ouvrir une session"}})
        ),
    ]
    flow = LINKEDIN.model_copy(update={"login": LINKEDIN.login.model_copy(update={"steps": steps})})
    plain = target("alice@example.com")
    account = AccountTarget(flow, plain.username, plain.password)
    (result,) = await runner.run(Mode.CHECK, [account], evidence)
    assert result.outcome is Outcome.FAILED and result.reason and "sign-in" in result.reason
    session = await runner.session(account)
    password = session.page.get_by_label("Password")
    assert await password.input_value() == "alice-demo-pass"  # really typed in…
    box = await password.bounding_box()
    shot = Path(result.evidence[-1].path)
    viewer = await browser.new_context()  # the session's context closes any extra page while mapping
    try:
        center = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        assert await pixel(await viewer.new_page(), shot, *center) == [255, 0, 255]
    finally:
        await viewer.close()
    assert sandbox.account("alice@example.com")["password_submissions"] == 0


async def test_pages_the_site_opens_itself_are_closed_while_mapping(runner: Any, sandbox: Sandbox) -> None:
    session = await runner.session(target("alice@example.com"))
    await session.page.goto("https://www.linkedin.com/login")
    async with session.context.expect_page() as opened:
        await session.page.evaluate("window.open('https://tracker.example.net/pixel')")
    popup = await opened.value
    await popup.wait_for_event("close")
    assert session.context.pages == [session.page]


@pytest.mark.parametrize(
    ("username", "shows"),
    [
        ("nora@example.com", "switch covered by its label, as LinkedIn's toggles are"),
        ("uma@example.com", "placeholder Off with no busy marker, real value (On) loaded after the page"),
        ("dev@example.com", "save sent 400 ms after the change (debounce)"),
        ("rem@example.com", "a 'Remember me on this browser?' prompt after signing in"),
    ],
)
async def test_page_behaviours_that_still_switch_off(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence, username: str, shows: str
) -> None:
    (checked,) = await runner.run(Mode.CHECK, [target(username)], evidence)
    assert (checked.outcome, checked.state) == (Outcome.CHECKED, State.ON), shows
    (result,) = await runner.run(Mode.OFF, [target(username)], evidence)
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True), shows
    assert [(w["key"], w["requested"]) for w in writes(sandbox, username)] == [(KEY, False)]
    assert sandbox.account(username)["settings"][KEY] is False


async def test_refused_change_is_reported_and_not_retried(runner: Any, sandbox: Sandbox, evidence: RunEvidence) -> None:
    result = await run(runner, Mode.OFF, "ray@example.com", evidence)
    assert (result.outcome, result.state, result.verified) == (Outcome.FAILED, State.ON, True)
    assert result.reason and "refused" in result.reason
    assert len(writes(sandbox, "ray@example.com")) == 1
    assert sandbox.account("ray@example.com")["settings"][KEY] is True


async def test_accounts_side_by_side_keep_their_order_and_their_own_state(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    # The demo runs accounts three at a time, each in its own context: results come back in the
    # order asked and each account's server state shows only its own change.
    names = ["alice@example.com", "olivia@example.com", "lou@example.com", "camille@example.fr"]
    results = await runner.run(Mode.OFF, [target(n) for n in names], evidence, parallel=3)
    assert [r.account for r in results] == names
    assert [r.outcome for r in results] == [
        Outcome.SWITCHED_OFF,
        Outcome.ALREADY_OFF,
        Outcome.FAILED,
        Outcome.SWITCHED_OFF,
    ]
    assert [len(writes(sandbox, n)) for n in names] == [1, 0, 0, 1]
