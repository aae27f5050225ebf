"""What `--mask-pii` (and every bundle's masked images) hides: the account's own name, photo and e-mail.

Two sources: any element whose visible text contains the account's username (case-insensitive), and
the regions a flow declares under `evidence.pii` (Targets, matched wherever they are: a mask may cover
several elements, so a target that matches more than one is not an error here).
"""

from __future__ import annotations

from collections.abc import Sequence

from playwright.async_api import Locator, Page

from optout.flow import Target
from optout.locate import Root, tolerant_pattern


def pii_locators(page: Page, username: str, targets: Sequence[Target]) -> list[Locator]:
    found = [page.get_by_text(username.strip())] if username.strip() else []
    return found + [target_locator(page, target) for target in targets]


def target_locator(root: Root, target: Target) -> Locator:
    """Every element `target` describes under `root` (its role+name, label and selector all count)."""
    if target.within is not None:
        root = target_locator(root, target.within)
    parts: list[Locator] = []
    if target.role and target.name:
        parts.append(root.get_by_role(target.role, name=tolerant_pattern(target.name.all())))
    if target.label:
        parts.append(root.get_by_label(tolerant_pattern(target.label.all())))
    if target.selector:
        parts.append(root.locator(target.selector))
    combined = parts[0]
    for part in parts[1:]:
        combined = combined.or_(part)
    return combined
