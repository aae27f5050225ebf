"""`optout canary PLATFORM` through the real CLI, never against a real site: LinkedIn's origins are mapped
onto the sandbox (every signal matches) or onto a tiny local page whose form lost its password field and
button (those are reported missing). Nothing is typed, clicked or sent: the servers' own records say so."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from tests.conftest import FLOWS, Cli, Sandbox
from tests.test_cli import one_line_error

# LinkedIn's sign-in page after a redesign: the e-mail field is there, the password field and the
# "Sign in" button are gone (a passkey-first page, say).
CHANGED_PAGE = b"""<!doctype html>
<html lang="en"><head><title>LinkedIn Login, Sign in | LinkedIn</title></head>
<body><main><h1>Sign in</h1>
<form class="login__form" method="post" action="/checkpoint/lg/login-submit">
  <label for="username">Email or phone</label><input id="username" name="session_key" autocomplete="username">
  <button type="button">Continue with a passkey</button>
</form></main></body></html>
"""


class _Page(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str]]] = []  # each server gets a list of its own (changed_site)

    def _answer(self) -> None:
        self.seen.append((self.command, self.path))
        body = CHANGED_PAGE if self.path.startswith("/login") else b"not here"
        self.send_response(200 if self.path.startswith("/login") else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_HEAD = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def changed_site() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """A local server answering LinkedIn's sign-in page as it might look after a redesign, and its log."""
    seen: ClassVar[list[tuple[str, str]]] = []  # each server gets a list of its own (changed_site)
    handler = type("Page", (_Page,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_linkedin_sign_in_page_in_the_sandbox_matches_every_signal(cli: Cli, sandbox: Sandbox) -> None:
    origin = f"linkedin={sandbox.origin()}"
    done = cli("canary", "linkedin", "--origin", origin, "--json", "--timeout", "10")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["all_found"] is True and report["final_url"] == "https://www.linkedin.com/login"
    by_signal = {c["signal"]: c["status"] for c in report["checks"]}
    assert by_signal['password field: field "Password"'] == "found"
    assert by_signal['click: button "Sign in"'] == "found"
    assert by_signal["url linkedin.com/authwall"] == "elsewhere"  # another page's signal: not counted
    assert set(report["requests_sent"]) == {"GET"} and report["sent_by_page_scripts"] == []
    # The sandbox saw no sign-in: no password, no session, no write, for any LinkedIn account.
    for account in sandbox.state()["linkedin"].values():
        assert (account["password_submissions"], account["signins"], account["writes"]) == (0, 0, [])

    text = cli("canary", "linkedin", "--origin", origin, "--timeout", "10", env={"COLUMNS": "80"})
    assert text.returncode == 0
    assert max(len(line) for line in text.stdout.splitlines()) <= 80
    assert "Every signal checked matched. Nothing was typed or clicked" in text.stdout


@pytest.mark.parametrize("platform", sorted(FLOWS))
def test_every_sandbox_sign_in_page_matches_its_flow(cli: Cli, sandbox: Sandbox, platform: str) -> None:
    """Every shape of sign-in: on one page, over several (later steps not checked), by a saved session
    only, behind a cookie dialog (looked behind, never dismissed)."""
    done = cli("canary", platform, "--origin", f"{platform}={sandbox.origin(platform)}", "--json", "--timeout", "10")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert not [c for c in report["checks"] if c["status"] == "missing"]
    assert any(c["status"] == "found" and c["group"] == "signed out" for c in report["checks"])
    # What the page's own scripts send as it loads (X starts its login flow) is said, never a form.
    assert all("/login-submit" not in sent and "password" not in sent for sent in report["sent_by_page_scripts"])
    for account in sandbox.state().get(platform, {}).values():
        assert (account["password_submissions"], account["signins"], account["writes"]) == (0, 0, [])


def test_a_changed_sign_in_page_reports_what_is_missing(
    cli: Cli, changed_site: tuple[str, list[tuple[str, str]]]
) -> None:
    base, seen = changed_site
    done = cli("canary", "linkedin", "--origin", f"linkedin={base}", "--json", "--timeout", "3")
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(done.stdout)
    status = {c["signal"]: c["status"] for c in report["checks"]}
    assert status['username field: field "Email or phone"'] == "found"
    assert status['password field: field "Password"'] == "missing"
    assert status['click: button "Sign in"'] == "missing"
    assert status["element form.login__form"] == "found"
    assert report["unmatched_groups"] == ["sign-in page"]  # no password field: not the page it expects
    # The server's own log: the page was read, nothing was sent to it.
    assert seen and {method for method, _ in seen} == {"GET"}, seen
    assert all(path.startswith("/login") or path == "/favicon.ico" for _, path in seen), seen

    text = cli("canary", "linkedin", "--origin", f"linkedin={base}", "--timeout", "3", env={"COLUMNS": "80"})
    assert text.returncode == 1
    assert 'missing   password field: field "Password"' in text.stdout
    # The sign-in page's signal (it names the password field), the field and the button.
    assert "No sign-in page signal matched" in text.stdout and "3 signal(s) missing" in text.stdout
    assert max(len(line) for line in text.stdout.splitlines()) <= 80


def test_bad_usage_and_an_unreachable_page_are_one_line(cli: Cli) -> None:
    assert "unknown platform 'myspace'" in one_line_error(cli("canary", "myspace"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nothing listens there
    line = one_line_error(cli("canary", "linkedin", "--origin", f"linkedin=http://127.0.0.1:{port}", "--timeout", "3"))
    assert "could not load https://www.linkedin.com/login" in line
