"""`--trace` and `optout report-broken`, through the real command line against the sandbox in real
Chromium: a trace never holds the password, the authenticator secret or a code typed; a LinkedIn account
whose page was redesigned (the switch gone) gives a report with everything a flow's maintainer needs, and
no secret nor the username anywhere in it."""

from __future__ import annotations

import base64
import io
import json
import re
import stat
import time
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pyotp

from optout.browser.traffic import OriginSpec, build_traffic_map
from optout.engine.context import Mode, Options
from optout.engine.tracing import REMOVED, scrubbed
from optout.evidence.private_text import hide_username
from optout.evidence.recorder import RunEvidence
from optout.results import Outcome
from optout.sandbox import SandboxServer
from optout.sandbox.x.accounts import DEMO_TOTP_SECRET
from tests import test_steps
from tests.conftest import Cli, Sandbox
from tests.stepsite import PASSWORD, StepSite
from tests.test_cli import add, one_line_error
from tests.test_steps import HEAD

TOBY, TOBY_PASSWORD = "toby@example.com", "toby-demo-pass"
LOU, LOU_PASSWORD = "lou@example.com", "lou-demo-pass"

ADA_PASSWORD = "ada-gpt-demo-pass\n"


def members(data: bytes, prefix: str = "") -> dict[str, bytes]:
    """Every member of a zip, and of each zip inside it, by its path."""
    found: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            member = archive.read(name)
            found[prefix + name] = member
            if name.endswith(".zip"):
                found.update(members(member, f"{prefix}{name}!"))
    return found


def forms(secret: str) -> list[bytes]:
    """How a secret may be written in a trace: as is, URL-encoded (a form post), JSON-escaped, base64."""
    raw = secret.encode()
    return [
        raw,
        quote(secret).encode(),
        quote_plus(secret).encode(),
        base64.b64encode(raw),
        json.dumps(secret)[1:-1].encode(),
    ]


def holds_code(data: bytes, code: str) -> bool:
    """A six-digit code as a number of its own (not inside a longer number or a time)."""
    return re.search(rb"(?<![0-9.])" + code.encode() + rb"(?![0-9.])", data) is not None


def traces_of(manifest: dict[str, object], folder: Path) -> list[Path]:
    files = manifest["files"]
    assert isinstance(files, list)
    return [folder / f["path"] for f in files if f["kind"] == "trace"]


def test_a_trace_holds_no_password_code_or_cookie(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    added = cli(
        "accounts", "add", "x", TOBY, "--password-stdin", "--totp-secret-stdin", "--mapped",
        input=f"{TOBY_PASSWORD}\n{DEMO_TOTP_SECRET}\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    began = time.time()
    done = cli("check", "x", "--trace", "--origin", f"x={sandbox.origin('x')}", "--json", "--out", str(tmp_path / "ev"))
    ended = time.time()
    assert done.returncode == 1, done.stderr  # read: the setting is on
    account = sandbox.account(TOBY, "x")
    assert (account["code_submissions"], account["signins"]) == (1, 1)  # a real sign-in, with a code typed
    (manifest_path,) = (tmp_path / "ev").glob("run-*/manifest.json")
    manifest = json.loads(manifest_path.read_text())
    traces = traces_of(manifest, manifest_path.parent)
    assert traces, manifest["files"]
    totp = pyotp.TOTP(DEMO_TOTP_SECRET)
    codes = {totp.at(t) for t in range(int(began) - 30, int(ended) + 31, 15)}
    signed_in_pages = 0
    for trace in traces:
        assert stat.S_IMODE(trace.stat().st_mode) == 0o600
        for name, data in members(trace.read_bytes()).items():
            for secret in (TOBY_PASSWORD, DEMO_TOTP_SECRET):
                for form in forms(secret):
                    assert form not in data, (name, form)
            for code in codes:
                assert not holds_code(data, code), (name, code)
            if name.endswith(".network"):
                for line in data.splitlines():
                    event = json.dumps(json.loads(line))
                    # Every cookie header there is emptied.
                    for match in re.finditer(r'"name": "(cookie|set-cookie)", "value": "([^"]*)"', event, re.I):
                        assert match.group(2) == REMOVED, match.group(0)
            if name.endswith(".trace"):
                signed_in_pages += data.count(b"/settings")
    assert signed_in_pages, "the trace recorded the signed-in pages"
    verified = cli("verify", manifest["run_id"])
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_scrubbed_removes_session_values_wherever_they_are() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        headers = [
            {"name": "Cookie", "value": "sid=s3cr3t-cookie"},
            {"name": "Authorization", "value": "Bearer eyJ-access-token"},
            {"name": "x-csrf-token", "value": "csrf-value-1234"},
            {"name": "Accept", "value": "text/html"},
        ]
        entry = {"snapshot": {"request": {"headers": headers, "cookies": [{"name": "sid", "value": "s3cr3t"}]}}}
        archive.writestr("trace.network", json.dumps(entry) + "\n")
        # A response body that hands the page its token, a page showing a cookie's value, an image.
        archive.writestr("resources/session.json", '{"accessToken":"eyJ-access-token","user":"Ada"}')
        archive.writestr("resources/page.html", "<p>ct0=csrf-value-1234; other=long-cookie-value</p>")
        archive.writestr("resources/shot.jpeg", b"\xff\xd8long-cookie-value")
        archive.writestr("trace.stacks", "/home/someone/optout/engine/locate.py")
    out = members(scrubbed(buffer.getvalue(), ["long-cookie-value", "1"]))
    assert "trace.stacks" not in out
    for secret in (b"s3cr3t", b"eyJ-access-token", b"csrf-value-1234"):
        assert all(secret not in data for name, data in out.items()), secret
    assert b"long-cookie-value" not in out["resources/page.html"] and b'"user":"Ada"' in out["resources/session.json"]
    assert b"text/html" in out["trace.network"] and REMOVED.encode() in out["trace.network"]
    assert out["resources/shot.jpeg"] == b"\xff\xd8long-cookie-value"  # images are left whole


def test_hide_username_hides_every_written_form() -> None:
    text = "lou@example.com, LOU%40example.com, mailto:lou%40example.com, Lou, cloud, louder"
    assert hide_username(text, LOU) == "[username], [username], mailto:[username], [username], cloud, louder"


def test_report_broken_for_a_redesigned_page(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    add(cli, LOU, LOU_PASSWORD)
    origin = f"linkedin={sandbox.origin()}"
    done = cli("check", "linkedin", "--trace", "--origin", origin, "--json", "--out", str(tmp_path / "ev"))
    assert done.returncode == 3, done.stdout + done.stderr
    (result,) = json.loads(done.stdout)
    assert result["outcome"] == "failed" and "layout changed" in result["reason"]
    (manifest_path,) = (tmp_path / "ev").glob("run-*/manifest.json")
    manifest = json.loads(manifest_path.read_text())
    kinds = {f["kind"] for f in manifest["files"]}
    assert {"screenshot", "masked-screenshot", "dom", "trace"} <= kinds, kinds
    (dom,) = [f for f in manifest["files"] if f["kind"] == "dom"]
    assert any(e["path"].endswith(Path(dom["path"]).name) for e in result["evidence"])
    assert cli("verify", manifest["run_id"]).returncode == 0
    # A masked export keeps the DOM excerpt and withholds the traces, which show the pages unmasked.
    assert cli("export", manifest["run_id"], "--out", str(tmp_path / "export.zip")).returncode == 0
    with zipfile.ZipFile(tmp_path / "export.zip") as exported:
        names = exported.namelist()
        assert any(n.endswith(".dom.html") for n in names) and not any(n.endswith("trace.zip") for n in names)
        assert "trace.zip: a trace shows the pages unmasked" in exported.read("README.txt").decode()

    # Without --with-trace the traces (unmasked pages) stay out.
    plain_report = cli("report-broken", manifest["run_id"], "--out", "plain.zip")
    assert plain_report.returncode == 0, plain_report.stderr
    assert not any("trace" in name for name in members((cli.home / "plain.zip").read_bytes()))
    # Written where the command runs: its path, on a line of its own, fits too.
    report = cli("report-broken", manifest["run_id"], "--out", "broken.zip", "--with-trace", env={"COLUMNS": "80"})
    assert report.returncode == 0, report.stdout + report.stderr
    for line in (report.stdout + report.stderr).splitlines():
        assert len(line) <= 80, line
    assert "  broken.zip\n" in report.stdout and "File it as a new issue" in report.stdout
    zip_path = cli.home / "broken.zip"
    found = members(zip_path.read_bytes())
    prefix = "1-linkedin-generative-ai-training/"
    assert {"README.txt", "summary.md", f"{prefix}result.json", f"{prefix}screenshot.masked.png"} <= set(found)
    assert f"{prefix}dom-excerpt.html" in found and f"{prefix}trace-1.zip" in found
    assert found[f"{prefix}screenshot.masked.png"].startswith(b"\x89PNG")
    # The masked screenshot is the masked copy the run kept, byte for byte; the unmasked one is nowhere.
    masked = [f for f in manifest["files"] if f["kind"] == "masked-screenshot" and "no-control" in f["step"]]
    plain = [f for f in manifest["files"] if f["kind"] == "screenshot" and "no-control" in f["step"]]
    assert (manifest_path.parent / masked[-1]["path"]).read_bytes() == found[f"{prefix}screenshot.masked.png"]
    unmasked = (manifest_path.parent / plain[-1]["path"]).read_bytes()
    if unmasked != found[f"{prefix}screenshot.masked.png"]:  # the page showed something to mask
        assert all(data != unmasked for data in found.values())
    about = json.loads(found[f"{prefix}result.json"])
    assert about["failing_step"] == "check-no-control" and "layout changed" in about["reason"]
    assert about["candidates"] == result["candidates"]
    assert about["flow_version"] == manifest["flows"]["linkedin"]
    assert (
        about["optout_version"] and about["browser_version"] and about["browser_version"] == manifest["browser_version"]
    )
    excerpt = found[f"{prefix}dom-excerpt.html"].decode()
    assert "<" in excerpt and len(excerpt) <= 61_000
    summary = found["summary.md"].decode()
    assert "check-no-control" in summary and "layout changed" in summary
    for name, data in found.items():
        for secret in (LOU_PASSWORD, LOU, "lou%40example.com"):
            for form in forms(secret):
                assert form not in data, (name, form)
        assert re.search(rb"(?i)(?<![a-z0-9])lou(?![a-z0-9])", data) is None, name


def test_report_broken_needs_a_failed_result_and_a_known_run(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    assert "unknown run" in one_line_error(cli("report-broken", "run-that-does-not-exist"))
    add(cli, "alice@example.com", "alice-demo-pass")
    done = cli("check", "linkedin", "--origin", f"linkedin={sandbox.origin()}", "--json", "--out", str(tmp_path))
    assert done.returncode == 1, done.stderr
    line = one_line_error(cli("report-broken", str(next(tmp_path.glob("run-*")))))
    assert "no failed result" in line
    assert not list(cli.home.glob("*.zip"))


def test_trace_is_refused_in_the_persons_own_browser(cli: Cli, tmp_path: Path) -> None:
    line = one_line_error(cli("check", "linkedin", "--trace", "--browser-profile", str(tmp_path / "profile")))
    assert "--trace" in line


# -- the DOM excerpt, on the step site: what it keeps and what it never holds -----------------------------

site_server = test_steps.site_server  # the step tests' site, one server per session

REDESIGNED = (
    f"{HEAD}<header><p>Signed in as pat@example.com</p></header><main><div class=settings>"
    "<section><h2>Something else</h2><p>far away</p></section>"
    "<section class=ai><h1>Training</h1><p>We moved this setting.</p>"
    "<div id=me>Pat Smith, photo</div><img alt='Photo of pat@example.com'>"
    "<label>Search <input id=q></label><textarea id=notes></textarea>"
    "<div contenteditable=true>draft words</div>"
    "<a href='mailto:pat@example.com'>write to PAT@example.com</a>"
    "<script>document.getElementById('q').value = 'typed words';"
    "document.getElementById('notes').value = 'noted words'</script>"
    "<button onclick=\"alert('x')\">Help</button></section></div></main>"
)


async def test_the_dom_excerpt_keeps_the_section_without_values_or_personal_data(
    browser: Any, site_server: tuple[StepSite, SandboxServer], tmp_path: Path
) -> None:
    from optout.engine.runner import AccountTarget, Runner

    site = site_server[0]
    site.reset()
    site.pages["/"] = f"{HEAD}<h1>Home</h1>"
    site.pages["/settings"] = REDESIGNED
    site.settings["training"] = True
    flow = test_steps.make_flow(flow_evidence={"pii": [{"selector": "#me"}]})
    evidence = RunEvidence(tmp_path / "out", "check", {"steps": "1"})
    traffic = build_traffic_map([OriginSpec("steps", site_server[1].base_url)], {"steps": flow.origins})
    async with Runner(traffic=traffic, options=Options(timeout_s=3.0), browser=browser) as runner:
        (result,) = await runner.run(Mode.CHECK, [AccountTarget(flow, "pat@example.com", lambda: PASSWORD)], evidence)
    assert result.outcome is Outcome.FAILED and "layout changed" in (result.reason or "")
    manifest = json.loads(evidence.manifest_path.read_text())
    (dom,) = [f for f in manifest["files"] if f["kind"] == "dom"]
    assert dom["path"].endswith(".dom.html") and dom["step"] == "check-no-control"
    path = evidence.directory / dom["path"]
    assert str(path) in [e.path for e in result.evidence]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    html = path.read_text()
    # The setting's section, not the page: the heading's own section only.
    assert html.startswith("<section") and "We moved this setting." in html and "far away" not in html
    assert "Signed in as" not in html  # the header is outside the excerpt
    for never in ("typed words", "noted words", "draft words", "Pat Smith", "pat@example.com", "PAT@", "alert("):
        assert never not in html, never
    assert "[masked]" in html and "[username]" in html and "<script" not in html


def test_a_chatgpt_trace_holds_none_of_the_session_s_values(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    """ChatGPT's page fetches its access token in a response body and sends it back as a bearer header:
    neither it nor any cookie of the session is in the trace."""
    added = cli("accounts", "add", "chatgpt", "ada@example.com", "--password-stdin", "--mapped", input=ADA_PASSWORD)
    assert added.returncode == 0, added.stderr
    out = tmp_path / "ev"
    done = cli("check", "chatgpt", "--trace", "--origin", f"chatgpt={sandbox.origin('chatgpt')}", "--out", str(out))
    assert done.returncode == 1, done.stderr
    (manifest_path,) = out.glob("run-*/manifest.json")
    traces = traces_of(json.loads(manifest_path.read_text()), manifest_path.parent)
    assert traces
    # The sandbox's tokens are JWTs: their header is the same for every one.
    jwt = rb"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9\.[A-Za-z0-9_-]{8,}"
    seen_token_field = False
    for trace in traces:
        for name, data in members(trace.read_bytes()).items():
            assert re.search(jwt, data) is None, name
            assert re.search(rb'"accessToken"\s*:\s*"(?!\[removed)', data) is None, name
            seen_token_field |= b'"accessToken"' in data
    assert seen_token_field, "the trace kept the session response, its token removed"
