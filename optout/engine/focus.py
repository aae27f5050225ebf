"""What has the focus, as Chromium's DevTools protocol sees it: through closed shadow roots, which the
page's own script (and so Playwright's evaluation in the page) cannot look into. A key pressed on the
page goes to the element that really has the focus, and a closed shadow root may hold the setting's
switch. optout drives only Chromium; where the protocol cannot answer, the caller presses nothing."""

from __future__ import annotations

import contextlib
from typing import Any, Literal

from playwright.async_api import CDPSession, Frame, Page
from playwright.async_api import Error as PlaywrightError

# Called on a document or a shadow root: the element in it that has the focus, followed into open shadow
# roots (closed ones are looked into through the protocol, one at a time).
_DEEPEST = """function() {
  let el = this.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  return el;
}"""
_ACTIVE = "function() { return this.activeElement; }"

Seen = Literal["none", "element", "hidden"]


class CannotTell(Exception):
    """The protocol did not say where the focus is."""


async def seen_by_the_browser(page: Page, frame: Frame) -> Seen:
    """Where the focus ends, followed down to `frame` (the frame the page's own script followed it into)
    and on into closed shadow roots: on no element (the body: a key goes to the page), on an element the
    page's script reaches too, or "hidden" inside a closed shadow root. Raises CannotTell or Playwright's
    Error when the browser does not say."""
    session = await _session(page, frame)
    try:
        return await _follow(session)
    finally:
        with contextlib.suppress(PlaywrightError):  # the page went away: so did the session
            await session.detach()


async def _session(page: Page, frame: Frame) -> CDPSession:
    """A DevTools session on the renderer of `frame`: its own when it is rendered apart from its parent (a
    frame of another site), else that of the nearest parent frame that is, else the page's."""
    while frame.parent_frame is not None:
        try:
            return await page.context.new_cdp_session(frame)
        except PlaywrightError:
            # Rendered with its parent: followed into from there.
            frame = frame.parent_frame
    return await page.context.new_cdp_session(page)


async def _follow(session: CDPSession) -> Seen:
    """Follow the focus down from the top document of `session`: into open and closed shadow roots and
    frames of the same process."""
    scope = _object(await session.send("Runtime.evaluate", {"expression": "document"}), "result")
    while True:
        element = await _call(session, scope, _DEEPEST)
        if element is None:
            return "none"
        described = await session.send("DOM.describeNode", {"objectId": element, "depth": 0, "pierce": True})
        node: dict[str, Any] = described["node"]
        for root in node.get("shadowRoots", []):
            if root.get("shadowRootType") == "closed":
                resolved = await session.send("DOM.resolveNode", {"backendNodeId": root["backendNodeId"]})
                if await _call(session, _object(resolved, "object"), _ACTIVE) is not None:
                    return "hidden"
        document = node.get("contentDocument")
        if document is not None:
            resolved = await session.send("DOM.resolveNode", {"backendNodeId": document["backendNodeId"]})
            scope = _object(resolved, "object")
            continue
        if node.get("localName") in ("iframe", "frame", "object", "embed") and node.get("frameId"):
            # Rendered elsewhere, and the page's script did not follow the focus there either.
            raise CannotTell("the focus is in a frame this session cannot look into")
        return "none" if node.get("localName") in ("body", "html") else "element"


async def _call(session: CDPSession, object_id: str, function: str) -> str | None:
    """The element `function` returns, called on the object; None for null."""
    answer = await session.send("Runtime.callFunctionOn", {"objectId": object_id, "functionDeclaration": function})
    if "exceptionDetails" in answer:
        raise CannotTell("the page's script failed while the focus was looked at")
    result: dict[str, Any] = answer["result"]
    if result.get("subtype") == "null":
        return None
    return _object(answer, "result")


def _object(answer: dict[str, Any], key: str) -> str:
    object_id = answer.get(key, {}).get("objectId")
    if not isinstance(object_id, str):
        raise CannotTell("the browser did not hand over the element")
    return object_id
