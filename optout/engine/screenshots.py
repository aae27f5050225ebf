"""One capture of a page as evidence: the screenshot and its masked twin, the control outlined, its
excerpt, every password and one-time-code field masked whatever the flow says. The recorder keeps them."""

from __future__ import annotations

from collections.abc import Sequence

from playwright.async_api import Locator, Page

from optout.engine.capture import Caption, ShownControl, drawn
from optout.engine.masking import pii_locators, typed_pii
from optout.evidence.manifest import FileKind
from optout.evidence.recorder import RunEvidence
from optout.language.targets import Target
from optout.results import EvidenceRef, utc_now, where

# Masked in every screenshot, whatever the flow says: a filled password must never reach an image.
SECRET_FIELDS = "input[type=password], input[autocomplete=current-password], input[autocomplete=one-time-code]"


async def screenshot(
    evidence: RunEvidence,
    page: Page,
    *,
    platform: str,
    account: str,
    setting: str | None,
    step: str,
    control: ShownControl | None = None,
    pii: Sequence[Target] = (),
) -> EvidenceRef:
    """One capture: the screenshot (and its masked twin, unless only masked images are wanted), with
    the control outlined and its excerpt beside it when the control is known. Returns the primary
    image."""
    taken = utc_now()
    url = where(page.url)
    caption = Caption(url=url, taken=taken, served_by=evidence.served_by(page.url))
    secret: list[Locator] = [page.locator(SECRET_FIELDS)]
    images: list[tuple[str, FileKind, bytes]] = []
    async with drawn(page, caption, control) as shown, typed_pii(page, account) as typed:
        personal = [*secret, *pii_locators(page, account, pii), *typed]
        if evidence.mask_pii:
            images.append(("", "masked-screenshot", await _image(page, personal)))
        else:
            images.append(("", "screenshot", await _image(page, secret)))
            images.append((".masked", "masked-screenshot", await _image(page, personal)))
    excerpt: dict[str, object] | None = None
    if control is not None and shown.box is not None:
        excerpt = {
            "role": control.role,
            "name": control.name,
            "state": control.state,
            "url": url,
            "taken_at": caption.time,
            "box": shown.box,
        }
    return evidence.add_capture(
        platform=platform,
        account=account,
        setting=setting,
        step=step,
        url=url,
        taken=taken,
        images=images,
        excerpt=excerpt,
    )


async def _image(page: Page, mask: list[Locator]) -> bytes:
    # Finished transitions: a toggle caught mid-animation would show neither state.
    return await page.screenshot(full_page=True, animations="disabled", mask=mask)
