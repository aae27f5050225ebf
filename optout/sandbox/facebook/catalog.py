"""The shape of Meta's replicas: one `MetaBrand` per site (hosts, real paths, field names, cookies),
the stored key, and Facebook's own brand. Instagram's is in instagram/catalog.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .text import texts as facebook_texts

#: True while Meta may use the account's information for AI (no objection on record): the default
#: (docs/platforms/facebook.md). Every POST of the objection form is a write of this key; only an
#: accepted objection stores False.
AI_USE_KEY = "ai_use"
#: The objection form's name in the state's `submissions`.
OBJECTION_FORM = "ai_objection"
#: The form's field names: Meta's markup is not documented [unverified].
EMAIL_FIELD = "email"
REASON_FIELD = "reason"
CODE_FIELD = "code"


@dataclass(frozen=True)
class MetaBrand:
    """One of Meta's sites as the replica serves it: everything that differs between Facebook and Instagram."""

    platform: str
    #: The site's own host: landing, sign-in, challenges, home.
    main_host: str
    #: The host of the objection form (help.instagram.com for Instagram).
    form_host: str
    form_path: str
    login_path: str
    #: The sign-in form's field names.
    user_field: str
    password_field: str
    two_factor_path: str
    checkpoint_path: str
    locked_path: str
    #: The cookies' domain: the parent domain, so that a session counts on every host of the site.
    cookie_domain: str
    session_cookie: str
    #: The cookie that remembers the answer to the cookie dialog [unverified name].
    consent_cookie: str
    #: Where the cookie dialog's answer is posted [unverified path].
    consent_path: str
    #: Instagram's "Save your login info?" page after sign-in, if any.
    onetap_path: str | None
    texts: Callable[[str], dict[str, str]]


FACEBOOK = MetaBrand(
    platform="facebook",
    main_host="www.facebook.com",
    form_host="www.facebook.com",
    form_path="/help/contact/712876720715583",
    login_path="/login/",
    user_field="email",
    password_field="pass",
    two_factor_path="/two_step_verification/two_factor/",
    checkpoint_path="/checkpoint/",
    locked_path="/checkpoint/locked/",
    cookie_domain=".facebook.com",
    # c_user (the user id) and xs (the session) are Facebook's session cookies; one stands for both here.
    session_cookie="xs",
    consent_cookie="fb_cookie_consent",
    consent_path="/cookie/consent/",
    onetap_path=None,
    texts=facebook_texts,
)
