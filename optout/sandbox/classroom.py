"""A sandbox for a class: every learner gets a whole sandbox of their own (each platform's accounts and
settings, so one learner switching a setting off never changes what another sees), served at
/learner/N/PLATFORM by worker processes, each a uvicorn server on 127.0.0.1 holding its share of the
learners (learner N on worker (N - 1) % W): no state is shared between processes, and a worker's CPU is
its own.

    optout sandbox --learners 50 [--workers W]

Each worker counts the answers it gave and how many were server errors (/__class__/stats): a load test
reads them to prove that a class ran without one.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .app import create_app
from .server import SandboxServer

#: How long a worker may take to start serving.
START_S = 30.0
#: How long the workers together may take to stop; one still there then is killed.
STOP_S = 10.0


def learner_path(learner: int) -> str:
    return f"/learner/{learner}"


class _Counted:
    """Counts every answer and the server errors among them (5xx, or an exception before an answer), and
    the longest time an answer took to start: a slow server, told apart from slow learners' browsers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.answers = 0
        self.errors = 0
        self.slowest_s = 0.0
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 0
        began = time.perf_counter()
        took = 0.0

        async def sent(message: Message) -> None:
            nonlocal status, took
            if message["type"] == "http.response.start":
                status = int(message["status"])
                took = time.perf_counter() - began
            await send(message)

        try:
            await self.app(scope, receive, sent)
        finally:
            with self._lock:
                self.answers += 1
                self.errors += status >= 500 or status == 0
                self.slowest_s = max(self.slowest_s, took)


def classroom_app(learners: Sequence[int]) -> _Counted:
    """One worker's app: a whole sandbox per learner, mounted at /learner/N."""

    async def stats(request: Request) -> Response:
        facts = {"answers": counted.answers, "errors": counted.errors, "slowest_s": counted.slowest_s}
        return JSONResponse({"learners": list(learners), **facts})

    routes: list[Any] = [Route("/__class__/stats", stats)]
    routes += [Mount(learner_path(n), app=create_app()) for n in learners]
    counted = _Counted(Starlette(routes=routes))
    return counted


def _worker(learners: list[int], port: int, ready: Any, stop: Any) -> None:
    """A worker process: serve these learners until told to stop."""
    # Ctrl-C reaches every process of the terminal's group: the parent alone answers it, by telling
    # each worker to stop (an interrupted wait could leave the shared stop event's lock held).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        server = SandboxServer(port=port, app=classroom_app(learners)).start()  # type: ignore[arg-type]
    except OSError as exc:
        ready.put(("error", f"cannot listen on 127.0.0.1:{port}: {exc.strerror}"))
        return
    ready.put(("port", server.port))
    parent = multiprocessing.parent_process()
    # A parent killed outright (SIGKILL) never tells: a worker must not keep its port for ever.
    while not stop.wait(1):
        if parent is not None and not parent.is_alive():
            break
    server.stop()


@dataclass(frozen=True)
class Stats:
    answers: int
    errors: int
    slowest_s: float  # the longest any answer took to start, in seconds


class ClassroomServer:
    """`learners` sandboxes over `workers` processes on 127.0.0.1 (ports `port`, `port` + 1, ...; 0: free
    ports)."""

    def __init__(self, learners: int, workers: int = 2, port: int = 0) -> None:
        if learners < 1 or workers < 1:
            raise ValueError("a class needs at least one learner and one worker")
        self.learners = learners
        self.workers = min(workers, learners)
        self._first_port = port
        self.ports: list[int] = []
        self._processes: list[Any] = []
        self._stop: Any = None

    def worker_of(self, learner: int) -> int:
        return (learner - 1) % self.workers

    def base_url(self, learner: int) -> str:
        """Where this learner's sandbox is: the --origin for a platform is BASE/PLATFORM."""
        if not 1 <= learner <= self.learners:
            raise ValueError(f"no learner {learner} (1 to {self.learners})")
        return f"http://127.0.0.1:{self.ports[self.worker_of(learner)]}{learner_path(learner)}"

    def origin_url(self, learner: int, platform: str) -> str:
        return f"{self.base_url(learner)}/{platform}"

    def start(self) -> ClassroomServer:
        spawn = multiprocessing.get_context("spawn")
        self._stop = spawn.Event()
        readies = []
        for worker in range(self.workers):
            mine = [n for n in range(1, self.learners + 1) if self.worker_of(n) == worker]
            port = self._first_port + worker if self._first_port else 0
            ready = spawn.Queue()
            process = spawn.Process(target=_worker, args=(mine, port, ready, self._stop), daemon=True)
            process.start()
            self._processes.append(process)
            readies.append(ready)
        try:
            for ready in readies:
                kind, value = ready.get(timeout=START_S)
                if kind == "error":
                    raise OSError(value)
                self.ports.append(int(value))
        except BaseException:
            self.stop()
            raise
        return self

    def stats(self) -> Stats:
        """Every worker's answers and server errors, added up; the slowest answer of any."""
        answers = errors = 0
        slowest = 0.0
        for port in self.ports:
            data = httpx.get(f"http://127.0.0.1:{port}/__class__/stats", timeout=10).json()
            answers, errors = answers + int(data["answers"]), errors + int(data["errors"])
            slowest = max(slowest, float(data["slowest_s"]))
        return Stats(answers, errors, slowest)

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
        deadline = time.monotonic() + STOP_S  # for them all: they stop at the same time
        for process in self._processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
        self._processes, self.ports = [], []

    def __enter__(self) -> ClassroomServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
