"""The sandbox's Instagram replica over real HTTP, as the product's traffic mapper sends it: sign-in on
www.instagram.com ("Save your login info?" after it), the session shared with help.instagram.com through
the parent domain, and Meta's objection form there. Every test reads the server's own state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from optout.sandbox import SandboxServer
from optout.sandbox.facebook.catalog import AI_USE_KEY
from optout.sandbox.instagram.catalog import INSTAGRAM

WWW = {"X-Forwarded-Host": "www.instagram.com", "X-Forwarded-Proto": "https"}
HELP = {"X-Forwarded-Host": "help.instagram.com", "X-Forwarded-Proto": "https"}
FORM = INSTAGRAM.form_path
FORM_URL = f"https://help.instagram.com{FORM}"
APPLIED = "will be applied from now on to AI development at Meta"


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
    return state["instagram"][username]  # type: ignore[no-any-return]


def log_in(
    server: SandboxServer, username: str, password: str, follow: str = "", headers: dict[str, str] = WWW
) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/instagram/accounts/login/",
        data={"username": username, "password": password, "next": follow},
        headers=headers,
    )


def session_cookie(answer: httpx.Response) -> str:
    raw = next((c for c in answer.headers.get_list("set-cookie") if c.startswith("sessionid=")), "sessionid=;")
    return raw.split(";", 1)[0].split("=", 1)[1]


def signed_in(server: SandboxServer, username: str, password: str) -> dict[str, str]:
    answer = log_in(server, username, password)
    assert answer.status_code == 303, answer.text
    return {"sessionid": session_cookie(answer), "ig_cookie_consent": "all"}


def test_sign_in_page_labels_and_cookie_dialog(fresh: SandboxServer) -> None:
    page = httpx.get(f"{fresh.base_url}/instagram/accounts/login/", headers=WWW)
    assert 'name="username"' in page.text and 'name="password"' in page.text
    assert "Phone number, username, or email</label>" in page.text and ">Log in</button>" in page.text
    assert 'role="dialog"' in page.text and "Allow the use of cookies from Instagram by this browser?" in page.text
    french = httpx.get(f"{fresh.base_url}/instagram/accounts/login/", headers={**WWW, "Accept-Language": "fr"})
    assert "Numéro de téléphone, nom d&#39;utilisateur ou adresse e-mail</label>" in french.text
    assert ">Se connecter</button>" in french.text and "Mot de passe</label>" in french.text


def test_signed_out_form_leads_to_instagram_sign_in_then_save_login_info_then_back(fresh: SandboxServer) -> None:
    answer = httpx.get(f"{fresh.base_url}/instagram{FORM}", headers=HELP)
    assert answer.status_code == 302
    login = f"https://www.instagram.com/accounts/login/?next={quote(FORM_URL, safe='')}"
    assert answer.headers["location"] == login
    done = log_in(fresh, "nora.photos", "nora-demo-pass", follow=FORM_URL)
    onetap = done.headers["location"]
    assert done.status_code == 303 and onetap == f"/accounts/onetap/?next={quote(FORM_URL, safe='')}"
    cookie = next(c for c in done.headers.get_list("set-cookie") if c.startswith("sessionid="))
    assert "Domain=.instagram.com" in cookie  # so that help.instagram.com sees it
    cookies = {"sessionid": session_cookie(done)}
    page = httpx.get(f"{fresh.base_url}/instagram{onetap}", headers=WWW, cookies=cookies)
    assert "<h1>Save your login info?</h1>" in page.text
    assert ">Save info</button>" in page.text and ">Not now</button>" in page.text
    on = httpx.post(f"{fresh.base_url}/instagram{onetap}", data={"choice": "later"}, headers=WWW, cookies=cookies)
    assert on.status_code == 303 and on.headers["location"] == FORM_URL
    form = httpx.get(f"{fresh.base_url}/instagram{FORM}", headers=HELP, cookies=cookies)
    assert form.status_code == 200 and 'value="nora.photos@example.com"' in form.text


def test_wrong_password_and_challenges(fresh: SandboxServer) -> None:
    wrong = log_in(fresh, "nora.photos", "nope")
    assert wrong.status_code == 200 and not session_cookie(wrong)
    assert 'role="alert">Sorry, your password was incorrect. Please double-check your password.</div>' in wrong.text
    two = log_in(fresh, "tess.photos", "tess-demo-pass")
    assert two.headers["location"].startswith("/accounts/login/two_factor?c=") and not session_cookie(two)
    page = httpx.get(f"{fresh.base_url}/instagram{two.headers['location']}", headers=WWW)
    assert "<h1>Two-factor authentication</h1>" in page.text
    challenge = log_in(fresh, "cara.photos", "cara-demo-pass")
    assert challenge.headers["location"].startswith("/challenge/?c=") and not session_cookie(challenge)
    assert (state_of(fresh, "tess.photos")["signins"], state_of(fresh, "cara.photos")["signins"]) == (0, 0)
    assert "lou.photos" not in httpx.get(f"{fresh.base_url}/__sandbox__/state").json()["instagram"]


def test_the_sign_in_form_is_on_www_only_and_the_form_on_help_only(fresh: SandboxServer) -> None:
    assert log_in(fresh, "nora.photos", "nora-demo-pass", headers=HELP).status_code == 404
    cookies = signed_in(fresh, "nora.photos", "nora-demo-pass")
    assert httpx.get(f"{fresh.base_url}/instagram{FORM}", headers=WWW, cookies=cookies).status_code == 404


def test_an_objection_is_counted_and_stored(fresh: SandboxServer) -> None:
    cookies = signed_in(fresh, "emma@example.com", "emma-demo-pass")
    page = httpx.get(f"{fresh.base_url}/instagram{FORM}", headers=HELP, cookies=cookies)
    assert 'name="email" autocomplete="email" value=""' in page.text  # no e-mail on file
    answer = httpx.post(
        f"{fresh.base_url}/instagram{FORM}",
        data={"email": "emma@example.com", "reason": ""},
        headers=HELP,
        cookies=cookies,
    )
    assert APPLIED in answer.text
    account = state_of(fresh, "emma@example.com")
    assert [(s["fields"]["email"], s["answer"]) for s in account["submissions"]] == [("emma@example.com", "received")]
    assert account["settings"][AI_USE_KEY] is False


def test_french_form_already_received_and_not_offered(fresh: SandboxServer) -> None:
    french = httpx.get(
        f"{fresh.base_url}/instagram{FORM}",
        headers=HELP,
        cookies=signed_in(fresh, "noemie.photo.fr", "noemie-demo-pass"),
    )
    assert ">Envoyer</button>" in french.text and 'value="noemie.photo.fr@example.fr"' in french.text
    already = httpx.get(
        f"{fresh.base_url}/instagram{FORM}", headers=HELP, cookies=signed_in(fresh, "olga.photos", "olga-demo-pass")
    )
    assert "already received your objection" in already.text and ">Send</button>" not in already.text
    us = httpx.get(
        f"{fresh.base_url}/instagram{FORM}", headers=HELP, cookies=signed_in(fresh, "uma.photos", "uma-demo-pass")
    )
    assert "This form is not available in your region." in us.text and ">Send</button>" not in us.text


def test_form_error_stores_nothing(fresh: SandboxServer) -> None:
    cookies = signed_in(fresh, "fern.photos", "fern-demo-pass")
    answer = httpx.post(
        f"{fresh.base_url}/instagram{FORM}", data={"email": "fern.photos@example.com"}, headers=HELP, cookies=cookies
    )
    assert "Something went wrong" in answer.text and APPLIED not in answer.text
    account = state_of(fresh, "fern.photos")
    assert [s["answer"] for s in account["submissions"]] == ["error"] and account["settings"][AI_USE_KEY] is True
