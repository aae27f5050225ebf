"""The least a script can do to read the switch: the benchmark's baseline, not a product path.

python bench/baseline_read.py http://127.0.0.1:PORT/linkedin
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from optout.browser.launch import LAUNCH_ARGS, find_browser


def main(base: str) -> int:
    with sync_playwright() as p:
        choice = find_browser(Path(p.chromium.executable_path))
        browser = p.chromium.launch(
            executable_path=str(choice.executable) if choice.executable else None, args=list(LAUNCH_ARGS)
        )
        page = browser.new_page()
        page.goto(f"{base}/login")
        page.fill("#username", "olivia@example.com")
        page.fill("#password", "olivia-demo-pass")
        page.click("button[type=submit]")
        page.wait_for_url("**/feed/")
        page.goto(f"{base}/mypreferences/d/settings/data-for-ai-improvement")
        checked = page.locator("input[role=switch]").is_checked()
        browser.close()
    print("on" if checked else "off")
    return 1 if checked else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
