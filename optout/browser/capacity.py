"""How many accounts this machine runs at once by default: each is a browser context (a renderer
process, its pages, their memory), waiting on pages most of the time (a reading is trusted only after the
page's requests have been quiet for a while), so a few per core, as far as the memory available allows.
Measured by bench/run.py on two cores: a warm re-check of 30 accounts took 11.4 s at eight at once, 13.4 s
at four."""

from __future__ import annotations

import os
from pathlib import Path

#: What one account's context takes at most, measured by bench/run.py (a settings page and its sign-in).
PER_ACCOUNT_MIB = 160
#: Kept for the browser itself, optout and the rest of the machine.
RESERVED_MIB = 512
PER_CORE = 4
MOST = 8
#: The bounds of -j/--jobs.
JOBS_RANGE = (1, 32)


def available_mib() -> int | None:
    """The memory available for new work (MemAvailable on Linux); None where it cannot be read."""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // (1024 * 1024)
    except (AttributeError, OSError, ValueError):
        return None


def default_jobs(cpus: int | None = None, memory_mib: int | None = None) -> int:
    """Accounts at once: PER_CORE per core, no more than the memory left after RESERVED_MIB holds at
    PER_ACCOUNT_MIB each, and never more than MOST."""
    cpus = cpus if cpus is not None else (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None)
    cpus = cpus or os.cpu_count() or 1
    memory = memory_mib if memory_mib is not None else available_mib()
    by_memory = MOST if memory is None else (memory - RESERVED_MIB) // PER_ACCOUNT_MIB
    return max(1, min(PER_CORE * cpus, by_memory, MOST))
