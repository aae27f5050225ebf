"""Authenticator-app codes: `accounts add --totp-secret-stdin` (stored in the real file keyring, refused
when invalid, listed, removed), and engine and CLI runs in real Chromium against the sandbox's X account
whose 2FA step accepts the current TOTP code. The sandbox server counts the codes it received."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from keyrings.alt.file import PlaintextKeyring

from optout.accounts import config as accounts
from optout.accounts import totp
from optout.browser.traffic import OriginSpec, build_traffic_map
from optout.engine.context import Mode, Options
from optout.evidence.recorder import RunEvidence
from optout.language.flow import Flow
from optout.paths import Home
from optout.results import Outcome, Result, State
from optout.sandbox import SandboxServer
from optout.sandbox.x.accounts import DEMO_TOTP_SECRET
from tests import test_steps
from tests.conftest import FLOWS, AlertsSeen, Cli, Sandbox, demo_target
from tests.stepsite import APP, LOGIN, PASSWORD, StepSite
from tests.stepsite import SIGN_IN_PAGE as SIGN_IN
from tests.test_cli import one_line_error
from tests.test_steps import BASE, HEAD, SETTINGS, make_flow

TOBY = "toby@example.com"
TRAINING = "allow_xai_data_sharing"
# Spaced and lower case, as sites print it next to the QR code.
PRINTED = " ".join(DEMO_TOTP_SECRET[i : i + 4] for i in range(0, len(DEMO_TOTP_SECRET), 4)).lower()


def stored_totp(cli: Cli, username: str, platform: str = "x") -> str | None:
    """Read back through the backend the command used, under its home's service name."""
    stored = PlaintextKeyring()
    stored.file_path = str(Path(cli.env["XDG_DATA_HOME"]) / "python_keyring" / "keyring_pass.cfg")
    service = accounts.service(Home(config_dir=cli.home, data_dir=cli.home, scoped=True))
    secret: str | None = stored.get_password(service, f"totp:{platform}:{username}") if service else None
    return secret


# -- the secret ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        DEMO_TOTP_SECRET,
        PRINTED,
        f"otpauth://totp/X:toby?secret={DEMO_TOTP_SECRET}&issuer=X",
        f"OTPAUTH://totp/X%3Atoby?issuer=X&secret={DEMO_TOTP_SECRET.lower()}&period=30\n",
    ],
)
def test_secrets_as_sites_show_them(text: str) -> None:
    assert totp.parse_secret(text) == DEMO_TOTP_SECRET
    assert totp.current_code(DEMO_TOTP_SECRET) == pyotp.TOTP(DEMO_TOTP_SECRET).now()


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("not a secret at all 1890", "not a base32"),
        ("JBSWY3DP", "too short"),
        (f"otpauth://hotp/X:toby?secret={DEMO_TOTP_SECRET}&counter=1", "time-based"),
        ("otpauth://totp/X:toby?issuer=X", "no secret"),
        (f"otpauth://totp/X:toby?secret={DEMO_TOTP_SECRET}&digits=8", "another digits"),
        (f"otpauth://totp/X:toby?secret={DEMO_TOTP_SECRET}&period=60", "another period"),
        (f"otpauth://totp/X:toby?secret={DEMO_TOTP_SECRET}&algorithm=SHA256", "another algorithm"),
    ],
)
def test_what_is_not_a_secret_is_refused_without_repeating_it(text: str, why: str) -> None:
    with pytest.raises(totp.BadSecret) as raised:
        totp.parse_secret(text)
    assert why in str(raised.value) and "\n" not in str(raised.value)
    assert not (text.strip() and text.strip() in str(raised.value))


# -- accounts add / list / remove ------------------------------------------------------------------


def test_accounts_add_stores_lists_and_removes_the_secret(cli: Cli) -> None:
    done = cli(
        "accounts", "add", "x", TOBY, "--password-stdin", "--totp-secret-stdin", input=f"toby-demo-pass\n{PRINTED}\n"
    )
    assert done.returncode == 0, done.stderr
    assert "authenticator secret stored" in done.stderr
    assert DEMO_TOTP_SECRET not in done.stdout + done.stderr and PRINTED not in done.stdout + done.stderr
    assert stored_totp(cli, TOBY) == DEMO_TOTP_SECRET
    cli("accounts", "add", "x", "xavier@example.com", "--password-stdin", input="xavier-demo-pass\n")
    listed = {a["username"]: a for a in json.loads(cli("accounts", "list", "--json").stdout)}
    assert (listed[TOBY]["totp_stored"], listed["xavier@example.com"]["totp_stored"]) == (True, False)
    table = cli("accounts", "list").stdout
    assert "Authenticator" in table and DEMO_TOTP_SECRET not in table
    assert cli("accounts", "remove", "x", TOBY).returncode == 0
    assert stored_totp(cli, TOBY) is None


def test_an_invalid_secret_is_refused_and_nothing_is_stored(cli: Cli) -> None:
    done = cli(
        "accounts",
        "add",
        "x",
        TOBY,
        "--password-stdin",
        "--totp-secret-stdin",
        input="toby-demo-pass\nhunter2!hunter2!hunter2!\n",
    )
    assert "not a base32 authenticator secret" in one_line_error(done) and "hunter2" not in done.stderr
    assert stored_totp(cli, TOBY) is None
    assert json.loads(cli("accounts", "list", "--json").stdout) == []


# -- runs against the sandbox --------------------------------------------------------------------


@pytest.fixture
def evidence(tmp_path: Path) -> RunEvidence:
    return RunEvidence(tmp_path / "out", "test", {"x": FLOWS["x"].version, "chatgpt": FLOWS["chatgpt"].version})


async def run(runner: Any, mode: Mode, platform: str, username: str, evidence: RunEvidence, **kw: Any) -> Result:
    (result,) = await runner.run(mode, [demo_target(platform, username, **kw)], evidence)
    return result


@pytest.fixture
def no_totp_stored() -> None:
    accounts.delete_totp_secret("x", TOBY)
    accounts.delete_totp_secret("chatgpt", "vera@example.com")
    accounts.delete_totp_secret("x", "tara@example.com")


@pytest.mark.usefixtures("no_totp_stored")
@pytest.mark.parametrize("mode", [Mode.CHECK, Mode.OFF])
async def test_the_authenticator_code_is_typed_once_and_accepted(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence, mode: Mode
) -> None:
    result = await run(runner, mode, "x", TOBY, evidence, totp_secret=DEMO_TOTP_SECRET)
    expected = (Outcome.CHECKED, State.ON) if mode is Mode.CHECK else (Outcome.SWITCHED_OFF, State.OFF)
    assert (result.outcome, result.state) == expected, result.reason
    account = sandbox.account(TOBY, "x")
    assert (account["password_submissions"], account["code_submissions"], account["signins"]) == (1, 1, 1)
    assert account["writes_by_key"][TRAINING] == (1 if mode is Mode.OFF else 0)


@pytest.mark.usefixtures("no_totp_stored")
async def test_without_a_secret_the_code_step_needs_a_person(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    result = await run(runner, Mode.OFF, "x", TOBY, evidence)
    assert result.outcome is Outcome.NEEDS_ATTENTION and result.reason
    assert "authenticator" in result.reason and "--totp-secret-stdin" in result.reason
    account = sandbox.account(TOBY, "x")
    assert (account["password_submissions"], account["code_submissions"], account["signins"]) == (1, 0, 0)


@pytest.mark.usefixtures("no_totp_stored")
async def test_a_wrong_secret_is_tried_once_and_counts_as_a_refused_sign_in(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    result = await run(runner, Mode.OFF, "x", TOBY, evidence, totp_secret=pyotp.random_base32())
    # Refused like a wrong password, so that a re-check holds the account instead of trying again.
    assert (result.outcome, result.label) == (Outcome.FAILED, "sign_in_rejected"), result.reason
    assert result.reason and "stored authenticator secret" in result.reason
    account = sandbox.account(TOBY, "x")
    assert (account["code_submissions"], account["signins"], sum(account["writes_by_key"].values())) == (1, 0, 0)


@pytest.mark.usefixtures("no_totp_stored")
async def test_an_emailed_code_is_never_answered_with_the_authenticator(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    # vera's ChatGPT sign-in e-mails a code: a stored authenticator secret changes nothing.
    result = await run(runner, Mode.OFF, "chatgpt", "vera@example.com", evidence, totp_secret=DEMO_TOTP_SECRET)
    assert result.outcome is Outcome.NEEDS_ATTENTION and result.reason
    account = sandbox.account("vera@example.com", "chatgpt")
    assert (account["password_submissions"], account["code_submissions"], account["signins"]) == (1, 0, 0)


@pytest.mark.usefixtures("no_totp_stored")
async def test_an_sms_code_is_never_answered_with_the_authenticator(
    runner: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    # tara's X code comes by text message: a stored authenticator secret is never used for it.
    result = await run(runner, Mode.OFF, "x", "tara@example.com", evidence, totp_secret=DEMO_TOTP_SECRET)
    assert result.outcome is Outcome.NEEDS_ATTENTION and result.reason
    assert "verification code" in result.reason and "authenticator" not in result.reason
    account = sandbox.account("tara@example.com", "x")
    assert (account["password_submissions"], account["code_submissions"], account["signins"]) == (1, 0, 0)


@pytest.mark.usefixtures("no_totp_stored")
async def test_without_a_secret_a_person_in_the_window_types_the_code(
    browser: Any, sandbox: Sandbox, evidence: RunEvidence
) -> None:
    from optout.engine.runner import Runner

    specs = [OriginSpec("x", sandbox.origin("x"))]
    traffic = build_traffic_map(specs, {"x": FLOWS["x"].origins})
    reporter = AlertsSeen()

    options = Options(timeout_s=5.0, interactive=True, human_timeout_s=60)
    async with Runner(traffic=traffic, options=options, browser=browser, reporter=reporter) as runner:
        account = demo_target("x", TOBY)
        session = await runner.session(account)

        async def person() -> None:
            # The person reads the code from their own authenticator app, once optout asks for it.
            await asyncio.wait_for(reporter.asked.wait(), 30)
            await session.page.get_by_label("Enter code").fill(pyotp.TOTP(DEMO_TOTP_SECRET).now())
            await session.page.get_by_role("button", name="Next").click()

        (result,), _ = await asyncio.gather(runner.run(Mode.OFF, [account], evidence), person())
    assert (result.outcome, result.state, result.verified) == (Outcome.SWITCHED_OFF, State.OFF, True), result.reason
    assert any("--totp-secret-stdin" in a and "Complete it in the browser window" in a for a in reporter.alerts), (
        reporter.alerts
    )
    account_state = sandbox.account(TOBY, "x")
    assert (account_state["code_submissions"], account_state["signins"]) == (1, 1)


def test_cli_run_with_the_stored_secret(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    added = cli(
        "accounts", "add", "x", TOBY, "--password-stdin", "--totp-secret-stdin", "--mapped",
        input=f"toby-demo-pass\n{PRINTED}\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    done = cli("check", "x", "--origin", f"x={sandbox.origin('x')}", "--json", "--out", str(tmp_path / "ev"))
    assert done.returncode == 1, done.stderr  # the setting is on
    assert DEMO_TOTP_SECRET not in done.stdout + done.stderr
    (result,) = json.loads(done.stdout)
    assert (result["outcome"], result["state"]) == ("checked", "on")
    account = sandbox.account(TOBY, "x")
    assert (account["code_submissions"], account["signins"]) == (1, 1)


# -- where the code may be typed: the step-level two-origin site -------------------------------------

site_server = test_steps.site_server  # the step tests' site, one server per session
CODE_FIELD = "<label>Code <input name=code autocomplete=one-time-code inputmode=numeric></label>"


@pytest.fixture
def site(site_server: tuple[StepSite, SandboxServer]) -> StepSite:
    site_server[0].reset()
    site_server[0].pages["/"] = f"{HEAD}<h1>Home</h1>"
    site_server[0].pages["/settings"] = SETTINGS
    site_server[0].settings["training"] = True
    return site_server[0]


@pytest.fixture
async def run_steps(browser: Any, site_server: tuple[StepSite, SandboxServer], tmp_path: Path) -> AsyncIterator[Any]:
    from optout.engine.runner import AccountTarget, Runner

    runners: list[Runner] = []

    async def run(flow: Flow) -> Result:
        traffic = build_traffic_map([OriginSpec("steps", site_server[1].base_url)], {"steps": flow.origins})
        runner = Runner(traffic=traffic, options=Options(timeout_s=3.0), browser=browser)
        runners.append(await runner.__aenter__())
        target = AccountTarget(flow, "pat@example.com", lambda: PASSWORD, totp_secret=lambda: DEMO_TOTP_SECRET)
        evidence = RunEvidence(tmp_path / "out", "test", {"steps": "1"})
        (result,) = await runner.run(Mode.CHECK, [target], evidence)
        return result

    yield run
    for runner in runners:
        await runner.__aexit__(None, None, None)


def flow_with_code(*, on_app: bool = False, code_step_first: bool = False) -> Flow:
    login = copy.deepcopy(BASE["login"])
    totp_step = {"fill": "totp", "origin": LOGIN, "into": {"label": {"en": "Code", "fr": "Code"}}}
    login["steps"].insert(0 if code_step_first else 2, totp_step)
    recognise = BASE["recognise"]
    if on_app:  # the flow's sign-in URL lands on the app's origin, which shows a look-alike form
        login["url"] = f"{APP}/sign-in"
        login["page"] = [{"selector": "input[autocomplete=current-password]"}]
        recognise = [*BASE["recognise"][:2], {"state": "signed_out", "reason": "out", "when": [{"url": "/sign-in"}]}]
    return make_flow(flow_login=login, flow_recognise=recognise)


async def test_the_code_is_typed_on_the_sign_in_origin(run_steps: Any, site: StepSite) -> None:
    site.pages["login.example.invalid/sign-in"] = SIGN_IN.replace("<button>", CODE_FIELD + "<button>")
    result = await run_steps(flow_with_code())
    assert (result.outcome, result.state) == (Outcome.CHECKED, State.ON), result.reason
    assert site.passwords == [PASSWORD] and len(site.codes) == 1
    assert pyotp.TOTP(DEMO_TOTP_SECRET).verify(site.codes[0], valid_window=1)


async def test_the_code_is_never_typed_off_the_sign_in_origin(run_steps: Any, site: StepSite) -> None:
    site.pages["/sign-in"] = SIGN_IN.replace("<button>", CODE_FIELD + "<button>")
    result = await run_steps(flow_with_code(on_app=True, code_step_first=True))
    assert result.outcome is Outcome.FAILED and result.reason
    assert (
        f"authenticator code was asked for on {APP}/sign-in" in result.reason and "nothing was typed" in result.reason
    )
    assert site.codes == [] and site.passwords == []


async def test_the_code_goes_only_into_a_one_time_code_field(run_steps: Any, site: StepSite) -> None:
    plain = CODE_FIELD.replace(" autocomplete=one-time-code", "")
    site.pages["login.example.invalid/sign-in"] = SIGN_IN.replace("<button>", plain + "<button>")
    result = await run_steps(flow_with_code(code_step_first=True))
    assert result.outcome is Outcome.FAILED and result.reason
    assert "a field that is not an authenticator code field" in result.reason and "nothing was typed" in result.reason
    assert site.codes == [] and site.passwords == []
