"""Browser errors in plain words: Playwright's messages name the call that failed, carry a call log
and speak Chromium's error codes; a person reads 'could not connect to URL: connection refused'."""

from __future__ import annotations

import re

from optout.results import where


def first_line(exc: BaseException, *, url_named: bool = False) -> str:
    """An exception as one line for a result's reason, in plain words: Playwright's messages carry a call
    log after the first line, name the API call (`Page.goto: `) and speak Chromium's error codes
    (`net::ERR_CONNECTION_REFUSED at URL`, `Timeout 30000ms exceeded.`). Every reason built from a browser
    error goes through here, so that none of that reaches a person. `url_named`: the caller's sentence
    already names the URL."""
    text = str(exc).strip().splitlines()
    return plain_words(text[0], url_named=url_named) if text else type(exc).__name__


# Playwright names the call that failed: `Page.goto: `, `Locator.click: `, `BrowserType.launch: `.
_API_CALL = re.compile(r"^(?:[A-Z]\w*\.\w+: )+")


_TIMEOUT = re.compile(r"^Timeout (\d+)ms exceeded\.?")


_NET_ERROR = re.compile(r"net::(ERR_[A-Z0-9_]+)(?: at (\S+))?")


_CLOSED = "Target page, context or browser has been closed"


# Chromium's network error codes a person may meet, in words; any other reads as its code in words.
_NET_WORDS = {
    "ERR_CONNECTION_REFUSED": "connection refused",
    "ERR_CONNECTION_RESET": "the connection was reset",
    "ERR_CONNECTION_CLOSED": "the server closed the connection",
    "ERR_EMPTY_RESPONSE": "the server closed the connection without answering",
    "ERR_CONNECTION_TIMED_OUT": "the connection timed out",
    "ERR_TIMED_OUT": "the connection timed out",
    "ERR_NAME_NOT_RESOLVED": "the host name does not resolve",
    "ERR_NAME_RESOLUTION_FAILED": "the host name could not be resolved",
    "ERR_ADDRESS_UNREACHABLE": "the address is unreachable",
    "ERR_INTERNET_DISCONNECTED": "no network connection",
    "ERR_TOO_MANY_REDIRECTS": "too many redirects",
    "ERR_ABORTED": "the page load was stopped",
}


# Failures before any page came back: "could not connect to"; the others happened loading it.
_CONNECTING = {
    "ERR_CONNECTION_REFUSED",
    "ERR_CONNECTION_RESET",
    "ERR_CONNECTION_CLOSED",
    "ERR_CONNECTION_TIMED_OUT",
    "ERR_TIMED_OUT",
    "ERR_NAME_NOT_RESOLVED",
    "ERR_NAME_RESOLUTION_FAILED",
    "ERR_ADDRESS_UNREACHABLE",
    "ERR_INTERNET_DISCONNECTED",
    "ERR_EMPTY_RESPONSE",
}


def plain_words(line: str, *, url_named: bool = False) -> str:
    """One line of a browser error in words: `could not connect to https://host/path: connection
    refused` (`connection refused` when `url_named`), `the page did not answer within 30 s`. The URL
    keeps no credentials, query or fragment."""
    text = _API_CALL.sub("", line.strip())
    timeout = _TIMEOUT.match(text)
    if timeout:
        return f"the page did not answer within {int(timeout[1]) / 1000:g} s"
    if text.startswith(_CLOSED):
        return "the page or the browser was closed"
    net = _NET_ERROR.search(text)
    if net is None:
        return text
    code, url = net[1], net[2]
    words = _NET_WORDS.get(code) or f"network error {code.removeprefix('ERR_').lower().replace('_', ' ')}"
    if url is None or url_named:
        return words
    verb = "could not connect to" if code in _CONNECTING else "could not load"
    return f"{verb} {where(url)}: {words}"
