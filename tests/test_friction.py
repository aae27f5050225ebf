"""Friction measured on real runs against the sandbox, checked against counts made by hand from the
sandbox's pages, and the dark patterns the engine names from what it saw on the platforms' replicas."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from optout.engine.context import Mode, Options
from optout.evidence.recorder import RunEvidence
from optout.results import Friction, Result, State
from tests.conftest import FLOWS, PLATFORMS, Sandbox, demo_target


@pytest.fixture
def evidence(tmp_path: Path) -> RunEvidence:
    return RunEvidence(tmp_path / "out", "test", {p: f.version for p, f in FLOWS.items()})


@pytest.fixture
async def by_menus(browser: Any, sandbox: Sandbox) -> AsyncIterator[Any]:
    """A runner that reaches each setting through the menus, as a person (and a walkthrough) would."""
    from optout.browser.traffic import OriginSpec, build_traffic_map
    from optout.engine.runner import Runner

    specs = [OriginSpec(p, sandbox.origin(p)) for p in PLATFORMS if p in FLOWS]
    traffic = build_traffic_map(specs, {p: f.origins for p, f in FLOWS.items()})
    async with Runner(traffic=traffic, options=Options(timeout_s=5.0, by_menus=True), browser=browser) as r:
        yield r


async def one(runner: Any, mode: Mode, platform: str, username: str, evidence: RunEvidence) -> Result:
    (result,) = await runner.run(mode, [demo_target(platform, username)], evidence)
    return result


def counts(friction: Friction | None) -> tuple[int, int, int, int | None, int, State | None]:
    assert friction is not None
    return (
        friction.clicks,
        friction.keystrokes,
        friction.page_loads,
        friction.depth,
        friction.confirmations,
        friction.first_state,
    )


async def test_linkedin_off_by_the_deep_link_matches_the_hand_count(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    """By hand, on the sandbox: open the deep link (one page), click the switch. The sign-in before it (an
    e-mail, a password, a button, a page or two) is not counted, nor the reload that verifies."""
    result = await one(runner, Mode.OFF, "linkedin", "alice@example.com", evidence)
    assert result.state is State.OFF and result.verified
    # This run signed in (the sandbox counted it), typing an e-mail and a password: none of it counted.
    assert sandbox.account("alice@example.com")["signins"] == 1
    assert counts(result.friction) == (1, 0, 1, 1, 0, State.ON)
    assert result.friction is not None and 0 < (result.friction.seconds_to_control or 0) < 30
    assert [p.name for p in result.dark_patterns] == ["default_on"]


class Breaks:
    """A watcher that fails at every step (a full disk under a walkthrough, a closed pipe)."""

    def __init__(self) -> None:
        self.told = 0

    async def step(self, ctx: Any, kind: str, what: str, element: Any = None) -> None:
        self.told += 1
        raise OSError(28, "No space left on device")


async def test_a_watcher_that_fails_never_changes_the_outcome(
    browser: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    from optout.browser.traffic import OriginSpec, build_traffic_map
    from optout.engine.runner import Runner

    watch = Breaks()
    traffic = build_traffic_map([OriginSpec("linkedin", sandbox.origin())], {"linkedin": FLOWS["linkedin"].origins})
    async with Runner(traffic=traffic, options=Options(timeout_s=5.0, watch=watch), browser=browser) as runner:
        result = await one(runner, Mode.OFF, "linkedin", "alice@example.com", evidence)
    assert (result.outcome.value, result.state, result.verified) == ("switched_off", State.OFF, True)
    assert watch.told == 1  # told once, then left alone
    assert sandbox.account("alice@example.com")["settings"]["allowDataForGenerativeAI"] is False


async def test_linkedin_off_through_the_menus_matches_the_hand_count(by_menus: Any, evidence: RunEvidence) -> None:
    """By hand: the Settings & Privacy home (one page), "Data privacy" (a click, a page), "Data for
    Generative AI Improvement" (a click, a page): three deep, then the switch (a third click)."""
    result = await one(by_menus, Mode.OFF, "linkedin", "alice@example.com", evidence)
    assert result.state is State.OFF and result.verified
    assert counts(result.friction) == (3, 0, 3, 3, 0, State.ON)
    names = [p.name for p in result.dark_patterns]
    assert names == ["default_on", "buried"]
    buried = result.dark_patterns[1]
    assert buried.evidence.numbers == {"depth": 3}
    assert any("Privacy maze" in ref for ref in buried.refs)


async def test_a_moved_deep_link_counts_the_menu_path_that_reached_it(runner: Any, evidence: RunEvidence) -> None:
    """The deep link leads nowhere, then the menus: depth is the path that worked (three); the page the
    deep link opened was still waited for (four pages)."""
    result = await one(runner, Mode.CHECK, "linkedin", "mo@example.com", evidence)
    assert result.state is State.ON
    assert counts(result.friction) == (2, 0, 4, 3, 0, State.ON)
    assert [p.name for p in result.dark_patterns] == ["default_on", "buried"]


async def test_a_setting_found_off_is_not_named_default_on(runner: Any, evidence: RunEvidence) -> None:
    result = await one(runner, Mode.CHECK, "linkedin", "olivia@example.com", evidence)
    assert result.state is State.OFF
    assert counts(result.friction) == (0, 0, 1, 1, 0, State.OFF)
    assert result.dark_patterns == []


async def test_a_run_that_never_reaches_the_setting_has_no_depth(runner: Any, evidence: RunEvidence) -> None:
    """A sign-in stopped at a PIN page: the setting was never reached, nothing is named."""
    result = await one(runner, Mode.CHECK, "linkedin", "pat@example.com", evidence)
    assert result.state is State.UNKNOWN
    assert result.friction is not None and result.friction.depth is None
    assert result.friction.seconds_to_control is None
    assert result.dark_patterns == []


async def test_an_objection_form_counts_what_is_typed_and_is_a_dead_end(
    browser: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    """Facebook's way out is a form: the reason typed counts one keystroke per character, and a form
    where a switch could be is named as a dead end."""
    from optout.browser.traffic import OriginSpec, build_traffic_map
    from optout.engine.runner import Runner

    reason = "I object to my data training AI."
    specs = [OriginSpec("facebook", sandbox.origin("facebook"))]
    traffic = build_traffic_map(specs, {"facebook": FLOWS["facebook"].origins})
    options = Options(timeout_s=5.0, send_requests=True, request_reason=reason)
    async with Runner(traffic=traffic, options=options, browser=browser) as runner:
        account = next(e.account for e in FLOWS["facebook"].examples if e.off.outcome == "requested")
        result = await one(runner, Mode.OFF, "facebook", account, evidence)
    assert result.outcome.value == "requested"
    assert result.friction is not None
    assert result.friction.keystrokes == len(reason)
    assert result.friction.clicks >= 1  # the Send button at least
    dead_end = [p for p in result.dark_patterns if p.name == "dead_end"]
    assert dead_end and "a form to send" in dead_end[0].evidence.text
