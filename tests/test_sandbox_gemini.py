"""The sandbox's Gemini replica over real HTTP, as the product's traffic mapper sends it (each Google host
named in X-Forwarded-Host): sign-in at Google's paths, the activity page, its writes. Every test reads
the server's own state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from optout.sandbox import SandboxServer
from optout.sandbox.gemini.catalog import (
    AUDIO_KEY,
    DELETE_ACTIVITY_KEY,
    KEEP_ACTIVITY_KEY,
    PRODUCT_PATH,
    STATE_PATH,
    WRITE_PATH,
)

ACCOUNTS = {"X-Forwarded-Host": "accounts.google.com", "X-Forwarded-Proto": "https"}
ACTIVITY = {"X-Forwarded-Host": "myactivity.google.com", "X-Forwarded-Proto": "https"}


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer() as running:
        yield running


@pytest.fixture
def fresh(server: SandboxServer) -> SandboxServer:
    httpx.post(f"{server.base_url}/__sandbox__/reset").raise_for_status()
    return server


def state_of(server: SandboxServer, username: str) -> dict[str, Any]:
    state: dict[str, Any] = httpx.get(f"{server.base_url}/__sandbox__/state").json()
    return state["gemini"][username]  # type: ignore[no-any-return]


def sign_in(server: SandboxServer, username: str, password: str) -> tuple[httpx.Response, str]:
    """E-mail, then password, at Google's paths; the last answer and the session cookie it set ("" if none)."""
    base = f"{server.base_url}/gemini"
    with httpx.Client(follow_redirects=False) as client:
        first = client.post(f"{base}/v3/signin/identifier", data={"identifier": username}, headers=ACCOUNTS)
        if first.status_code != 303 or "/challenge/pwd" not in first.headers["location"]:
            return first, ""
        path = first.headers["location"]
        answer = client.post(f"{server.base_url}/gemini{path}", data={"Passwd": password}, headers=ACCOUNTS)
        # Scoped to Google's hosts, so read from the header: a cookie jar on 127.0.0.1 would drop it.
        raw = next((c for c in answer.headers.get_list("set-cookie") if c.startswith("SID=")), "SID=;")
        return answer, raw.split(";", 1)[0].removeprefix("SID=")


def test_signed_out_activity_page_leads_to_google_sign_in(fresh: SandboxServer) -> None:
    answer = httpx.get(f"{fresh.base_url}/gemini{PRODUCT_PATH}", headers=ACTIVITY)
    assert answer.status_code == 302
    assert answer.headers["location"].startswith("https://accounts.google.com/ServiceLogin?continue=")


def test_sign_in_hands_the_session_to_myactivity(fresh: SandboxServer) -> None:
    answer, session = sign_in(fresh, "gemma@example.com", "gemma-demo-pass")
    assert answer.status_code == 303 and session
    assert answer.headers["location"].startswith("https://myactivity.google.com/accounts/SetSID?")
    page = httpx.get(f"{fresh.base_url}/gemini{PRODUCT_PATH}", headers=ACTIVITY, cookies={"SID": session})
    assert page.status_code == 200 and "<h1>Keep Activity</h1>" in page.text
    assert 'aria-label="Google Account: Gemma (gemma@example.com)"' in page.text
    account = state_of(fresh, "gemma@example.com")
    assert (account["password_submissions"], account["signins"]) == (1, 1)
    assert account["settings"][KEEP_ACTIVITY_KEY] is True  # on by default


def test_wrong_password_and_challenges(fresh: SandboxServer) -> None:
    wrong, session = sign_in(fresh, "gemma@example.com", "nope")
    assert wrong.status_code == 200 and not session and 'role="alert">Wrong password' in wrong.text
    two_step, session = sign_in(fresh, "tess@example.com", "tess-demo-pass")
    assert two_step.headers["location"].endswith("/v3/signin/challenge/ipp") and not session
    # Refused right after the e-mail: no password is ever asked for.
    refused, _ = sign_in(fresh, "bria@example.com", "bria-demo-pass")
    assert refused.headers["location"].endswith("/v3/signin/rejected")
    assert state_of(fresh, "bria@example.com")["password_submissions"] == 0
    page = httpx.get(f"{fresh.base_url}/gemini/v3/signin/rejected", headers=ACCOUNTS)
    assert "This browser or app may not be secure." in page.text


def test_writes_are_counted_per_key_and_delete_is_its_own(fresh: SandboxServer) -> None:
    _, session = sign_in(fresh, "gemma@example.com", "gemma-demo-pass")
    cookies = {"SID": session}
    read = httpx.get(f"{fresh.base_url}/gemini{STATE_PATH}", headers=ACTIVITY, cookies=cookies).json()
    assert read == {KEEP_ACTIVITY_KEY: True, AUDIO_KEY: False}
    off = {"key": KEEP_ACTIVITY_KEY, "value": False}
    answer = httpx.post(f"{fresh.base_url}/gemini{WRITE_PATH}", headers=ACTIVITY, cookies=cookies, json=off)
    assert answer.json() == {"key": KEEP_ACTIVITY_KEY, "value": False}
    counts = state_of(fresh, "gemma@example.com")["writes_by_key"]
    assert counts == {KEEP_ACTIVITY_KEY: 1, AUDIO_KEY: 0, DELETE_ACTIVITY_KEY: 0}
    delete = {"key": DELETE_ACTIVITY_KEY, "value": True}
    httpx.post(f"{fresh.base_url}/gemini{WRITE_PATH}", headers=ACTIVITY, cookies=cookies, json=delete)
    assert state_of(fresh, "gemma@example.com")["writes_by_key"][DELETE_ACTIVITY_KEY] == 1
    unsigned = httpx.post(f"{fresh.base_url}/gemini{WRITE_PATH}", headers=ACTIVITY, json=off)
    assert unsigned.status_code == 401


def test_sticky_and_workspace_servers(fresh: SandboxServer) -> None:
    off = {"key": KEEP_ACTIVITY_KEY, "value": False}
    _, session = sign_in(fresh, "sami@example.com", "sami-demo-pass")
    said = httpx.post(f"{fresh.base_url}/gemini{WRITE_PATH}", headers=ACTIVITY, cookies={"SID": session}, json=off)
    assert said.json()["value"] is False and state_of(fresh, "sami@example.com")["settings"][KEEP_ACTIVITY_KEY]
    _, session = sign_in(fresh, "walt@corp.example.com", "walt-demo-pass")
    managed = httpx.post(f"{fresh.base_url}/gemini{WRITE_PATH}", headers=ACTIVITY, cookies={"SID": session}, json=off)
    assert managed.status_code == 403 and state_of(fresh, "walt@corp.example.com")["writes"] == []


def test_french_pages(fresh: SandboxServer) -> None:
    page = httpx.get(f"{fresh.base_url}/gemini/v3/signin/identifier", headers={**ACCOUNTS, "Accept-Language": "fr"})
    assert "<h1>Connexion</h1>" in page.text and "Adresse e-mail ou numéro de téléphone" in page.text
    _, session = sign_in(fresh, "gaelle@example.fr", "gaelle-demo-pass")
    page = httpx.get(f"{fresh.base_url}/gemini{PRODUCT_PATH}", headers=ACTIVITY, cookies={"SID": session})
    assert "<h1>Conserver l&#39;activité</h1>" in page.text or "<h1>Conserver l'activité</h1>" in page.text
