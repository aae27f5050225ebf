"""`optout sandbox --learners N`: a sandbox for each learner of a class, until interrupted."""

from __future__ import annotations

import os
import queue
import threading

from optout.cli.common import stdout_console, usage_error
from optout.cli.output import print_rows


def serve_class(learners: int, workers: int | None, port: int) -> None:
    from optout.sandbox import PLATFORMS
    from optout.sandbox.classroom import START_S, ClassroomServer

    workers = workers or os.cpu_count() or 1
    try:
        server = ClassroomServer(learners, workers=workers, port=port).start()
    except (OSError, RuntimeError) as exc:
        usage_error(str(exc))
    except queue.Empty:
        usage_error(f"a sandbox worker did not start within {START_S:g} s")
    out = stdout_console()
    try:
        out.print(
            f"A class of {learners} learners on {server.workers} server processes (Ctrl-C to stop).",
            markup=False,
        )
        rows = [[str(n), server.base_url(n)] for n in range(1, learners + 1)]
        print_rows(out, ["Learner", "Sandbox"], rows, title="Each learner's own sandbox")
        out.print("Learner K points optout at their own sandbox (BASE: their address above):", markup=False)
        out.print("  optout check --origin linkedin=BASE/linkedin --origin x=BASE/x ...", markup=False)
        platforms = [p for p in PLATFORMS if p != "patternlab"]
        out.print(f"Platforms: {', '.join(platforms)}.", markup=False)
        out.print("The accounts are the demo's (optout sandbox lists them).", markup=False)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
