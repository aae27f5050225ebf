"""The sandbox's Facebook replica over real HTTP, as the product's traffic mapper sends it (the host named
in X-Forwarded-Host): the landing page, the cookie dialog, sign-in and its challenges, and Meta's
objection form. Every test reads the server's own state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from optout.sandbox import SandboxServer
from optout.sandbox.facebook.catalog import AI_USE_KEY, FACEBOOK

WWW = {"X-Forwarded-Host": "www.facebook.com", "X-Forwarded-Proto": "https"}
FR = {**WWW, "Accept-Language": "fr-FR,fr;q=0.9"}
FORM = FACEBOOK.form_path
FORM_URL = f"https://www.facebook.com{FORM}"
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
    return state["facebook"][username]  # type: ignore[no-any-return]


def cookie_from(answer: httpx.Response, name: str) -> str:
    """A cookie's value from Set-Cookie: scoped to .facebook.com, a jar on 127.0.0.1 would drop it."""
    raw = next((c for c in answer.headers.get_list("set-cookie") if c.startswith(f"{name}=")), f"{name}=;")
    return raw.split(";", 1)[0].split("=", 1)[1]


def log_in(server: SandboxServer, username: str, password: str, follow: str = "") -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/facebook/login/",
        data={"email": username, "pass": password, "next": follow},
        headers=WWW,
    )


def session_of(server: SandboxServer, username: str) -> dict[str, str]:
    answer = log_in(server, username, username.split("@")[0] + "-demo-pass")
    assert answer.status_code == 303, answer.text
    return {"xs": cookie_from(answer, "xs"), "fb_cookie_consent": "all"}


def form_page(server: SandboxServer, cookies: dict[str, str], headers: dict[str, str] = WWW) -> httpx.Response:
    return httpx.get(f"{server.base_url}/facebook{FORM}", headers=headers, cookies=cookies)


def send(server: SandboxServer, cookies: dict[str, str], **fields: str) -> httpx.Response:
    return httpx.post(f"{server.base_url}/facebook{FORM}", data=fields, headers=WWW, cookies=cookies)


# ----- signed out: landing, cookie dialog, sign-in ---------------------------------------------------


def test_landing_page_has_the_sign_in_form_under_the_cookie_dialog(fresh: SandboxServer) -> None:
    page = httpx.get(f"{fresh.base_url}/facebook/", headers=WWW)
    assert page.status_code == 200
    assert 'name="email"' in page.text and 'name="pass"' in page.text and ">Log in</button>" in page.text
    assert '<label for="user">Email address or phone number</label>' in page.text
    assert 'role="dialog" aria-modal="true"' in page.text and '<div id="page" aria-hidden="true">' in page.text
    assert "Allow the use of cookies from Facebook on this browser?" in page.text
    assert ">Allow all cookies</button>" in page.text and ">Decline optional cookies</button>" in page.text
    french = httpx.get(f"{fresh.base_url}/facebook/login/", headers=FR)
    assert "Adresse e-mail ou numéro de mobile" in french.text and ">Se connecter</button>" in french.text
    assert "Mot de passe" in french.text and "Autoriser tous les cookies" in french.text


def test_the_cookie_answer_is_remembered_for_the_whole_domain(fresh: SandboxServer) -> None:
    answer = httpx.post(
        f"{fresh.base_url}/facebook/cookie/consent/", data={"choice": "decline", "next": "/login/"}, headers=WWW
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/login/"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("fb_cookie_consent="))
    assert "Domain=.facebook.com" in cookie
    page = httpx.get(f"{fresh.base_url}/facebook/login/", headers=WWW, cookies={"fb_cookie_consent": "essential"})
    assert 'role="dialog"' not in page.text and 'aria-hidden="true"' not in page.text
    # Never an open redirect: the answer goes back to a path of this site only.
    away = httpx.post(
        f"{fresh.base_url}/facebook/cookie/consent/", data={"choice": "allow", "next": "//evil.example/"}, headers=WWW
    )
    assert away.headers["location"] == "/"


def test_signed_out_form_leads_to_sign_in_and_back(fresh: SandboxServer) -> None:
    answer = httpx.get(f"{fresh.base_url}/facebook{FORM}", headers=WWW)
    assert answer.status_code == 302
    assert answer.headers["location"] == f"https://www.facebook.com/login/?next={quote(FORM_URL, safe='')}"
    signed_in = log_in(fresh, "nora@example.com", "nora-demo-pass", follow=FORM_URL)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == FORM_URL
    session = next(c for c in signed_in.headers.get_list("set-cookie") if c.startswith("xs="))
    assert "Domain=.facebook.com" in session and "HttpOnly" in session
    account = state_of(fresh, "nora@example.com")
    assert (account["password_submissions"], account["signins"]) == (1, 1)
    # `next` never leads off Facebook.
    elsewhere = log_in(fresh, "nora@example.com", "nora-demo-pass", follow="https://evil.example/help")
    assert elsewhere.headers["location"] == "https://www.facebook.com/"


def test_signed_in_home_page_has_the_profile_link(fresh: SandboxServer) -> None:
    home = httpx.get(f"{fresh.base_url}/facebook/", headers=WWW, cookies=session_of(fresh, "nora@example.com"))
    assert 'role="navigation"' in home.text and '<a href="/me/" aria-label="Your profile">' in home.text
    assert 'name="pass"' not in home.text
    french = httpx.get(f"{fresh.base_url}/facebook/", headers=WWW, cookies=session_of(fresh, "noemie@example.fr"))
    assert '<a href="/me/" aria-label="Votre profil">' in french.text


def test_wrong_password_is_an_alert_on_the_login_page(fresh: SandboxServer) -> None:
    wrong = log_in(fresh, "nora@example.com", "nope")
    assert wrong.status_code == 200 and not cookie_from(wrong, "xs")
    assert 'role="alert">The password that you&#39;ve entered is incorrect.</div>' in wrong.text
    french = httpx.post(
        f"{fresh.base_url}/facebook/login/", data={"email": "noemie@example.fr", "pass": "x"}, headers=FR
    )
    assert 'role="alert">Le mot de passe entré est incorrect.</div>' in french.text
    unknown = log_in(fresh, "nobody@example.com", "x")
    assert "isn&#39;t connected to an account" in unknown.text
    assert (
        state_of(fresh, "nora@example.com")["password_submissions"],
        state_of(fresh, "nora@example.com")["signins"],
    ) == (1, 0)


@pytest.mark.parametrize(
    ("username", "path", "heading"),
    [
        ("tess@example.com", "/two_step_verification/two_factor/", "Enter the code from your authentication app"),
        ("cara@example.com", "/checkpoint/", "We noticed unusual activity"),
        ("lou@example.com", "/checkpoint/locked/", "Your account has been locked"),
    ],
)
def test_each_challenge_has_its_own_page_and_no_session(
    fresh: SandboxServer, username: str, path: str, heading: str
) -> None:
    answer = log_in(fresh, username, username.split("@")[0] + "-demo-pass", follow=FORM_URL)
    assert answer.status_code == 303 and answer.headers["location"].startswith(f"{path}?c=")
    assert not cookie_from(answer, "xs")
    page = httpx.get(f"{fresh.base_url}/facebook{answer.headers['location']}", headers=WWW)
    assert f"<h1>{heading}</h1>" in page.text
    account = state_of(fresh, username)
    assert (account["password_submissions"], account["signins"]) == (1, 0)


def test_a_two_factor_code_is_counted_and_refused(fresh: SandboxServer) -> None:
    answer = log_in(fresh, "tess@example.com", "tess-demo-pass")
    page = f"{fresh.base_url}/facebook{answer.headers['location']}"
    refused = httpx.post(page, data={"approvals_code": "123456"}, headers=WWW)
    assert 'role="alert">The code you entered doesn&#39;t match' in refused.text
    account = state_of(fresh, "tess@example.com")
    assert (account["code_submissions"], account["signins"]) == (1, 0)


# ----- the objection form -------------------------------------------------------------------------------


def test_form_is_prefilled_renders_late_and_has_french_labels(fresh: SandboxServer) -> None:
    page = form_page(fresh, session_of(fresh, "nora@example.com"))
    assert "<h1>Object to your information being used for AI at Meta</h1>" in page.text
    assert 'name="email" autocomplete="email" value="nora@example.com"' in page.text
    assert "How does this processing impact you? (optional)" in page.text and ">Send</button>" in page.text
    # Drawn after load: the form is inside a <template> until the script puts it in place.
    assert page.text.index("<template") < page.text.index(">Send</button>") and "}, 300);" in page.text
    late = form_page(fresh, session_of(fresh, "lena@example.com"))
    assert "}, 1500);" in late.text
    french = form_page(fresh, session_of(fresh, "noemie@example.fr"))
    assert "<h1>Vous opposer à l&#39;utilisation de vos informations pour l&#39;IA chez Meta</h1>" in french.text
    assert ">Adresse e-mail</label>" in french.text and ">Envoyer</button>" in french.text
    assert "(facultatif)" in french.text


@pytest.mark.parametrize("username", ["emma@example.com", "+447700900123"])
def test_no_email_on_file_leaves_the_field_empty(fresh: SandboxServer, username: str) -> None:
    answer = log_in(fresh, username, ("phil" if username.startswith("+") else "emma") + "-demo-pass")
    page = form_page(fresh, {"xs": cookie_from(answer, "xs")})
    assert 'name="email" autocomplete="email" value=""' in page.text


def test_an_objection_is_counted_stored_and_confirmed_but_the_page_forgets_it(fresh: SandboxServer) -> None:
    cookies = session_of(fresh, "nora@example.com")
    before = form_page(fresh, cookies).text
    answer = send(fresh, cookies, email="nora@example.com", reason="I did not agree to this.")
    assert answer.status_code == 200 and APPLIED in answer.text and ">Send</button>" not in answer.text
    account = state_of(fresh, "nora@example.com")
    assert [(s["fields"], s["answer"]) for s in account["submissions"]] == [
        ({"email": "nora@example.com", "reason": "I did not agree to this."}, "received")
    ]
    assert account["settings"][AI_USE_KEY] is False and account["writes_by_key"] == {AI_USE_KEY: 1}
    # Nothing on a later visit says it was sent: optout's history is the record.
    assert form_page(fresh, cookies).text == before
    french = send(fresh, session_of(fresh, "noemie@example.fr"), email="noemie@example.fr", reason="")
    assert "sera appliquée dès maintenant au développement de l&#39;IA chez Meta" in french.text


def test_the_typed_email_is_what_arrives(fresh: SandboxServer) -> None:
    answer = log_in(fresh, "emma@example.com", "emma-demo-pass")
    send(fresh, {"xs": cookie_from(answer, "xs")}, email="emma@example.com", reason="")
    account = state_of(fresh, "emma@example.com")
    assert [s["fields"]["email"] for s in account["submissions"]] == ["emma@example.com"]


def test_an_empty_email_is_refused_and_not_stored(fresh: SandboxServer) -> None:
    answer = log_in(fresh, "+447700900123", "phil-demo-pass")
    refused = send(fresh, {"xs": cookie_from(answer, "xs")}, email="", reason="")
    assert 'role="alert">Please enter a valid email address.</div>' in refused.text and APPLIED not in refused.text
    account = state_of(fresh, "+447700900123")
    assert [s["answer"] for s in account["submissions"]] == ["invalid_email"]
    assert account["settings"][AI_USE_KEY] is True


def test_form_error_answers_something_went_wrong_and_stores_nothing(fresh: SandboxServer) -> None:
    cookies = session_of(fresh, "fern@example.com")
    answer = send(fresh, cookies, email="fern@example.com", reason="")
    assert 'role="alert">Something went wrong.' in answer.text and APPLIED not in answer.text
    # The form is still there, filled in: a second "Send" would be a second objection.
    assert ">Send</button>" in answer.text
    account = state_of(fresh, "fern@example.com")
    assert [s["answer"] for s in account["submissions"]] == ["error"]
    assert account["settings"][AI_USE_KEY] is True and account["writes"][0]["stored"] is True


def test_email_code_asks_for_a_code_and_stores_nothing(fresh: SandboxServer) -> None:
    cookies = session_of(fresh, "cody@example.com")
    answer = send(fresh, cookies, email="cody@example.com", reason="")
    assert "<h2>Enter the code we sent to your email</h2>" in answer.text and APPLIED not in answer.text
    code = send(fresh, cookies, code="123456")
    assert 'role="alert">' in code.text and APPLIED not in code.text
    account = state_of(fresh, "cody@example.com")
    assert [s["answer"] for s in account["submissions"]] == ["code_required", "code_wrong"]
    assert (account["emails_sent"], account["code_submissions"]) == (1, 1)
    assert account["settings"][AI_USE_KEY] is True


def test_already_objected_page_says_so_and_has_no_form(fresh: SandboxServer) -> None:
    page = form_page(fresh, session_of(fresh, "olga@example.com"))
    assert "<h2>We&#39;ve already received your objection</h2>" in page.text
    assert ">Send</button>" not in page.text and "<form method" not in page.text
    assert state_of(fresh, "olga@example.com")["settings"][AI_USE_KEY] is False


def test_not_offered_outside_the_eu(fresh: SandboxServer) -> None:
    page = form_page(fresh, session_of(fresh, "uma@example.com"))
    assert "<p>This form is not available in your region.</p>" in page.text and ">Send</button>" not in page.text


def test_redesigned_form_has_no_send_button(fresh: SandboxServer) -> None:
    page = form_page(fresh, session_of(fresh, "reda@example.com"))
    assert ">Continue</button>" in page.text and ">Send</button>" not in page.text
    assert f'action="{FORM}"' not in page.text
    assert state_of(fresh, "reda@example.com")["submissions"] == []


def test_the_form_lives_on_www_facebook_com_only(fresh: SandboxServer) -> None:
    other = {"X-Forwarded-Host": "m.facebook.com", "X-Forwarded-Proto": "https"}
    answer = httpx.get(f"{fresh.base_url}/facebook{FORM}", headers=other)
    assert answer.status_code == 404 and "This content isn&#39;t available right now" in answer.text


# ----- the page side, in real Chromium (the sandbox opened directly, under its /facebook prefix) ---------


@pytest.fixture
async def page(browser: Any) -> Any:
    context = await browser.new_context()
    yield await context.new_page()
    await context.close()


async def test_page_side_dialog_hides_the_form_then_the_late_form_is_sent_once(page: Any, fresh: SandboxServer) -> None:
    await page.goto(f"{fresh.base_url}/facebook{FORM}")
    assert "/facebook/login/?next=" in page.url
    dialog = page.get_by_role("dialog", name="Allow the use of cookies from Facebook on this browser?")
    await dialog.wait_for()
    # Under the dialog the page is hidden from the accessibility tree: no "Log in" to find by role.
    assert await page.get_by_role("button", name="Log in").count() == 0
    await dialog.get_by_role("button", name="Decline optional cookies").click()
    await page.get_by_label("Email address or phone number").fill("lena@example.com")
    await page.get_by_label("Password").fill("lena-demo-pass")
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(f"**/facebook{FORM}")
    await page.get_by_role("heading", name="Object to your information being used for AI at Meta").wait_for()
    send_button = page.get_by_role("button", name="Send")
    # The late account's form is drawn 1.5 s after load: a reader that does not wait finds nothing.
    assert await send_button.count() == 0
    await send_button.wait_for(timeout=5000)
    assert await page.get_by_label("Email address").input_value() == "lena@example.com"
    await page.get_by_label("How does this processing impact you? (optional)").fill("No.")
    await send_button.click()
    await page.get_by_text("will be applied from now on to AI development at Meta").wait_for()
    account = state_of(fresh, "lena@example.com")
    assert [(s["fields"], s["answer"]) for s in account["submissions"]] == [
        ({"email": "lena@example.com", "reason": "No."}, "received")
    ]
