"""The sandbox's Claude replica over real HTTP: claude.ai's real paths (as the product's mapper sends
them), sign-in by e-mailed code only (no password field anywhere; every e-mail counted), the privacy
pane's API with its variants, the terms pop-up whose every click is recorded, and a person's session."""

from __future__ import annotations

import html
from collections.abc import Iterator

import httpx
import pytest

from optout.sandbox import SandboxServer, accounts_for
from optout.sandbox.claude.accounts import DEMO_CODE
from optout.sandbox.claude.catalog import LOCATION_KEY, SETTINGS_API, TRAINING_KEY
from optout.sandbox.claude.text import EN, FR

MAPPED = {"x-forwarded-host": "claude.ai", "x-forwarded-proto": "https"}


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer() as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh(server: SandboxServer) -> None:
    httpx.post(f"{server.base_url}/__sandbox__/reset").raise_for_status()


def account(server: SandboxServer, username: str) -> dict[str, object]:
    state: dict[str, object] = httpx.get(f"{server.base_url}/__sandbox__/state").json()["claude"][username]
    return state


def person(server: SandboxServer, username: str) -> httpx.Client:
    """A client holding the session the person opened (direct to the mount, cookies kept there)."""
    answer = httpx.post(
        f"{server.base_url}/__sandbox__/person-signs-in", params={"platform": "claude", "username": username}
    )
    answer.raise_for_status()
    client = httpx.Client(base_url=server.origin_url("claude"))
    client.cookies.set(answer.json()["name"], answer.json()["value"])
    return client


def test_real_paths_redirect_a_signed_out_visit_to_the_sign_in_page(server: SandboxServer) -> None:
    base = server.origin_url("claude")
    landing = httpx.get(f"{base}/", headers=MAPPED)
    assert landing.status_code == 200 and EN["landing_heading"] in landing.text and 'href="/login"' in landing.text
    for path in ("/new", "/settings/data-privacy-controls"):
        answer = httpx.get(f"{base}{path}", headers=MAPPED)
        assert answer.status_code == 302 and answer.headers["location"].startswith("/login?returnTo=%2F")
    login = httpx.get(f"{base}/login", headers=MAPPED)
    assert 'type="email"' in login.text and 'type="password"' not in login.text and EN["continue_email"] in login.text


def test_sign_in_is_an_e_mailed_code_and_every_e_mail_is_counted(server: SandboxServer) -> None:
    with httpx.Client(base_url=server.origin_url("claude")) as client:
        sent = client.post("/login", data={"email": "ada@example.com", "next": "/settings/data-privacy-controls"})
        assert sent.status_code == 303 and "/login/verify?c=" in sent.headers["location"]
        challenge = sent.headers["location"].split("c=", 1)[1].split("&", 1)[0]
        assert account(server, "ada@example.com")["emails_sent"] == 1
        wrong = client.post("/login/verify", data={"c": challenge, "code": "000000"})
        assert wrong.status_code == 400 and 'role="alert"' in wrong.text and EN["err_code"] in wrong.text
        right = client.post("/login/verify", data={"c": challenge, "code": DEMO_CODE, "returnTo": "/new"})
        assert right.status_code == 303 and right.headers["location"].endswith("/new")
        assert right.cookies["sessionKey"].startswith("sk-ant-sid01-")
        assert client.get("/new").status_code == 200
    state = account(server, "ada@example.com")
    assert (state["emails_sent"], state["code_submissions"], state["signins"]) == (1, 2, 1)
    with httpx.Client(base_url=server.origin_url("claude")) as client:
        unknown = client.post("/login", data={"email": "nobody@example.com"})
        assert unknown.status_code == 200 and EN["err_unknown_email"] in html.unescape(unknown.text)
    assert account(server, "ada@example.com")["emails_sent"] == 1


def test_privacy_pane_and_its_api(server: SandboxServer) -> None:
    with person(server, "ada@example.com") as client:
        page = client.get("/settings/data-privacy-controls")
        assert page.status_code == 200
        for text in (EN["privacy_heading"], EN["improve_label"], EN["improve_description"], EN["location_label"]):
            assert text in page.text
        assert 'aria-busy="true"' in page.text and 'data-testid="user-menu-button"' in page.text
        assert client.get(SETTINGS_API).json() == {TRAINING_KEY: True, LOCATION_KEY: False}
        assert client.patch(SETTINGS_API, json={TRAINING_KEY: False}).json() == {TRAINING_KEY: False}
        assert client.patch(SETTINGS_API, json={"anything": False}).status_code == 400
    state = account(server, "ada@example.com")
    assert state["writes_by_key"] == {**state["writes_by_key"], TRAINING_KEY: 1, LOCATION_KEY: 0}  # type: ignore[dict-item]
    with person(server, "elise@example.fr") as client:
        page = client.get("/settings/data-privacy-controls")
        assert FR["improve_label"] in page.text and FR["privacy_heading"] in page.text


@pytest.mark.parametrize(
    ("username", "status", "stored"),
    [("rosa@example.com", 500, True), ("stan@example.com", 200, True), ("olga@example.com", 403, False)],
)
def test_writes_that_fail_or_do_not_stick(server: SandboxServer, username: str, status: int, stored: bool) -> None:
    with person(server, username) as client:
        answer = client.patch(SETTINGS_API, json={TRAINING_KEY: False})
        assert answer.status_code == status
        if status == 200:
            assert answer.json() == {TRAINING_KEY: False}  # sticky: says Off ...
        assert client.get(SETTINGS_API).json()[TRAINING_KEY] is stored  # ... but the setting is as it was


def test_variants_render_what_they_stand_for(server: SandboxServer) -> None:
    with person(server, "olga@example.com") as client:
        page = client.get("/settings/data-privacy-controls").text
        assert EN["org_note"] in html.unescape(page) and "improve-label" not in page
    with person(server, "remy@example.com") as client:
        page = client.get("/settings/data-privacy-controls").text
        assert EN["moved_label"] in page and "improve-label" not in page
    with person(server, "tess@example.com") as client:
        assert client.get("/api/account/grove_notice").json()["show_notice"] is True
        page = client.get("/settings/data-privacy-controls").text
        assert EN["terms_heading"] in page and 'role="dialog"' in page
    with person(server, "ada@example.com") as client:
        assert client.get("/api/account/grove_notice").json()["show_notice"] is False
        assert 'role="dialog"' not in client.get("/new").text


def test_every_click_in_the_terms_pop_up_is_recorded(server: SandboxServer) -> None:
    with person(server, "tess@example.com") as client:
        for action in ("toggle", "later"):
            assert client.post("/api/account/grove_consent", json={"action": action}).status_code == 200
        client.post("/api/account/grove_consent", json={"action": "accept", "grove_enabled": True})
    writes = account(server, "tess@example.com")["writes_by_key"]
    assert writes == {**writes, "terms_dialog_toggle": 1, "terms_deferred": 1, "terms_accepted": 1, TRAINING_KEY: 1}  # type: ignore[dict-item]


def test_a_persons_session_exists_only_for_those_who_signed_in(server: SandboxServer) -> None:
    def signs_in(username: str) -> httpx.Response:
        return httpx.post(
            f"{server.base_url}/__sandbox__/person-signs-in", params={"platform": "claude", "username": username}
        )

    assert signs_in("nora@example.com").status_code == 404  # never signed in
    assert signs_in("nobody@example.com").status_code == 404
    assert (
        httpx.post(
            f"{server.base_url}/__sandbox__/person-signs-in", params={"platform": "x", "username": "xavier@example.com"}
        ).status_code
        == 404
    )  # X signs in with a password: no such sessions
    ended = signs_in("ezra@example.com").json()
    with httpx.Client(base_url=server.origin_url("claude"), cookies={ended["name"]: ended["value"]}) as client:
        assert client.get("/new").status_code == 302  # Claude has ended it
    assert account(server, "ezra@example.com")["signins"] == 0


def test_the_accounts_cover_each_situation() -> None:
    accounts = accounts_for("claude")
    assert len({a.username for a in accounts}) == len(accounts) == 12
    assert {a.variant for a in accounts} >= {"terms_pending", "organization", "no_session", "layout_changed"}
