"""Instagram's `MetaBrand`: sign-in on www.instagram.com, the objection form on help.instagram.com."""

from __future__ import annotations

from ..facebook.catalog import MetaBrand
from .text import texts

INSTAGRAM = MetaBrand(
    platform="instagram",
    main_host="www.instagram.com",
    form_host="help.instagram.com",
    form_path="/contact/767264225370182",
    login_path="/accounts/login/",
    user_field="username",
    password_field="password",
    two_factor_path="/accounts/login/two_factor",
    checkpoint_path="/challenge/",
    # Not reproduced for Instagram's accounts (no locked one); the path is made up [unverified].
    locked_path="/accounts/locked/",
    cookie_domain=".instagram.com",
    session_cookie="sessionid",
    consent_cookie="ig_cookie_consent",
    consent_path="/cookie/consent/",
    onetap_path="/accounts/onetap/",
    texts=texts,
)
