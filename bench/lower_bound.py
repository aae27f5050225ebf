"""The benchmark's lower bound: the least a script can do to read every crowd account's setting, warm.
One browser; for each account a context made from its saved session, the platform's pages answered by
the sandbox through optout's own traffic mapping (the only way to reach it under the real addresses);
open the setting's page once and read the control the flow names. No evidence, no history, no checks.
Up to --jobs accounts at once, like the optout run it is compared with.

    python bench/lower_bound.py --origin P=URL [...] --jobs N
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from playwright.async_api import async_playwright

from optout.accounts.config import load_config
from optout.accounts.saved_sessions import SessionStore
from optout.browser.launch import launch
from optout.browser.traffic import OriginSpec, build_traffic_map
from optout.language.registry import load_all
from optout.paths import home


async def main(origins: list[str], jobs: int) -> int:
    flows = load_all()
    specs = [OriginSpec.parse(o) for o in origins]
    traffic = build_traffic_map(specs, {p: f.origins for p, f in flows.items()})
    where = home()
    store = SessionStore(where, mapped=True)
    mapped = {spec.platform for spec in specs}
    accounts = [a for a in load_config(where).accounts if a.platform in mapped]
    slots = asyncio.Semaphore(jobs)
    read: list[bool] = []
    async with async_playwright() as playwright:
        browser = await launch(playwright, offline=True)

        async def one(platform: str, username: str, locale: str | None) -> None:
            # The crowd's accounts are English, and the three platforms measured name their switch directly.
            setting = flows[platform].settings[0]
            assert setting.control is not None and setting.control.target is not None
            target = setting.control.target
            assert target.role is not None and target.name is not None
            language = (locale or "en").split("-")[0]
            name = target.name.by_locale.get(language, target.name.by_locale["en"])[0]
            async with slots:
                state = store.load(platform, username)
                context = await browser.new_context(
                    storage_state=state,  # type: ignore[arg-type]
                    locale=locale,
                    service_workers="block",
                )
                page = await context.new_page()
                await traffic.attach(context, page)
                await page.goto(setting.url, wait_until="domcontentloaded")
                if platform == "chatgpt":  # its switch is in a dialog the row opens
                    title = setting.title.by_locale.get(language, setting.title.by_locale["en"])[0]
                    await page.get_by_role("button", name=title).click(timeout=30_000)  # "… On": its state follows
                control = page.get_by_role(target.role, name=name, exact=True)  # type: ignore[arg-type]
                await control.wait_for(timeout=30_000)
                read.append(await control.is_checked())
                await context.close()

        await asyncio.gather(*(one(a.platform, a.username, a.locale) for a in accounts))
        await browser.close()
    print(f"{len(read)} read, {sum(read)} on")
    return 0 if accounts and len(read) == len(accounts) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--origin", action="append", default=[])
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.origin, args.jobs)))
