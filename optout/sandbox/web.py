"""Helpers shared by the sandbox's sites: mapped vs direct requests, cookies, templates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

#: The sandbox's own templates (index page) and the ones every platform shares, under `_shared/`.
#: They live inside the package so that an installed wheel carries them.
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Site:
    """How one request reached the sandbox, and so how its links must be written.

    Mapped requests come through the product's mapper, which adds X-Forwarded-Host:
    the browser believes it is on the real site, so links use the real paths. Every origin of a
    platform (e.g. chatgpt.com and auth.openai.com) is mapped to the same mount, so `host` tells
    them apart. Direct requests (someone opened 127.0.0.1) need the mount prefix in every link,
    and one prefix then stands for every host of the platform.
    """

    base: str
    host: str | None
    scheme: str

    @property
    def mapped(self) -> bool:
        return self.host is not None

    @property
    def hostname(self) -> str | None:
        """The requested host without its port, when mapped."""
        return None if self.host is None else _without_port(self.host)

    def on_host(self, host: str) -> bool:
        """Whether the request may be for `host`: mapped, the very host (port ignored); direct, always.

        For routes whose path exists on one host of the platform only.
        """
        return self.host is None or self.hostname == _without_port(host).lower()

    def link(self, path: str) -> str:
        """A root-relative link to a real-site path (on the requested host)."""
        return self.base + path

    def absolute(self, path: str, host: str | None = None) -> str:
        """An absolute URL when mapped (the browser's view of the real site), else a link.

        `host` names another host of the same platform, for cross-origin redirects and links;
        direct requests have a single prefix for all hosts, so they get the prefixed link.
        """
        if self.host is None:
            return self.link(path)
        return f"{self.scheme}://{host or self.host}{path}"

    @property
    def cookie_domain(self) -> str | None:
        """The domain of the cookies this request sets: the requested host's, never another's."""
        if self.hostname is None:
            return None
        return "." + self.hostname


def _without_port(host: str) -> str:
    if host.startswith("["):  # an IPv6 literal
        return host.split("]", 1)[0] + "]"
    return host.split(":", 1)[0].lower()


def site_of(request: Request) -> Site:
    forwarded = request.headers.get("x-forwarded-host", "").split(",", 1)[0].strip()
    if forwarded:
        proto = request.headers.get("x-forwarded-proto", "https").split(",", 1)[0].strip() or "https"
        return Site(base="", host=forwarded, scheme=proto)
    # Inside a Mount, Starlette puts the mount prefix in root_path.
    return Site(base=str(request.scope.get("root_path", "")), host=None, scheme=request.url.scheme)


def set_cookie(
    response: Response, site: Site, name: str, value: str, *, http_only: bool, max_age: int | None = None
) -> None:
    """Set a cookie scoped like the real site's when mapped, host-only under the prefix when direct."""
    if site.mapped:
        # SameSite=None needs Secure; the browser sees https, so both hold.
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            domain=site.cookie_domain,
            secure=True,
            httponly=http_only,
            samesite="none",
        )
    else:
        response.set_cookie(name, value, max_age=max_age, path=site.base or "/", httponly=http_only, samesite="lax")


def delete_cookie(response: Response, site: Site, name: str) -> None:
    set_cookie(response, site, name, "", http_only=True, max_age=0)


def see_other(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303)


def found(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=302)


def same_site_path(path: str | None, default: str) -> str:
    """Where to go after sign-in: a same-site path only (never //host, a backslash trick or a full URL)."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return default


class Templates:
    """A Jinja2 environment over template folders, searched in order.

    A platform's environment searches its own folder first, then the sandbox's (where the shared
    templates are named `_shared/...`): `Templates.for_platform(Path(...))`.
    """

    def __init__(self, *directories: Path) -> None:
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(list(directories or (TEMPLATES_DIR,))),
            autoescape=jinja2.select_autoescape(["html"]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    @classmethod
    def for_platform(cls, directory: Path) -> Templates:
        """The platform's own templates, then the shared ones."""
        return cls(directory, TEMPLATES_DIR)

    def render(self, name: str, context: Mapping[str, Any]) -> str:
        return self._env.get_template(name).render(context)

    def page(self, name: str, context: Mapping[str, Any], status_code: int = 200) -> HTMLResponse:
        return HTMLResponse(self.render(name, context), status_code=status_code)


def route_path(request: Request) -> str:
    """The request path as the real site sees it: without the mount prefix."""
    path = str(request.scope["path"])
    root = str(request.scope.get("root_path", ""))
    return path[len(root) :] if root and path.startswith(root) else path


async def form_fields(request: Request) -> dict[str, str]:
    """An url-encoded form body, first value per field (no python-multipart needed)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {name: values[0] for name, values in parse_qs(body, keep_blank_values=True).items()}
