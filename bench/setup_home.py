"""Fill a benchmark home: the crowd's accounts of each platform in its config, their passwords in the
home's keyring (for mapped runs). Run with OPTOUT_HOME, the keyring's environment and OPTOUT_SANDBOX_CROWD
set, as bench/run.py does.

    python bench/setup_home.py PLATFORM [PLATFORM ...]
"""

from __future__ import annotations

import sys

from optout.accounts import config
from optout.paths import home
from optout.sandbox.catalog import CROWD_DESCRIPTION
from optout.sandbox.registry import accounts_for


def main(platforms: list[str]) -> int:
    where = home()
    settings = config.load_config(where)
    with config.making_keys(where):
        for platform in platforms:
            for account in accounts_for(platform):
                if account.description != CROWD_DESCRIPTION:
                    continue
                settings.accounts.append(config.Account(platform=platform, username=account.username))
                config.store_password(platform, account.username, account.password, where, mapped=True)
    config.save_config(where, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
