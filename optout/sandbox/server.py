"""Run the sandbox app with uvicorn in a background thread on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from collections.abc import Sequence
from types import TracebackType

import uvicorn

from .app import create_app, sandbox_state
from .platform import PlatformSandbox
from .registry import SANDBOXES
from .state import SandboxState

_START_TIMEOUT_SECONDS = 10.0
_STOP_TIMEOUT_SECONDS = 5.0


class _Server(uvicorn.Server):
    """A uvicorn server that tells another thread when it is accepting connections."""

    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self.ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()


class SandboxServer:
    """The sandbox served over real HTTP on 127.0.0.1; port 0 picks a free port.

    `sandboxes` lets a test serve a platform of its own instead of the registered ones.
    """

    def __init__(self, port: int = 0, sandboxes: Sequence[PlatformSandbox] = SANDBOXES) -> None:
        self._port = port
        self.app = create_app(sandboxes)
        self._socket: socket.socket | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> SandboxState:
        return sandbox_state(self.app)

    @property
    def port(self) -> int:
        if self._socket is None:
            raise RuntimeError("the sandbox server is not running")
        port: int = self._socket.getsockname()[1]
        return port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def origin_url(self, platform: str) -> str:
        """Where a platform's replica is mounted, e.g. http://127.0.0.1:PORT/linkedin."""
        return f"{self.base_url}/{platform}"

    def start(self) -> SandboxServer:
        """Start serving; returns once connections are accepted."""
        if self._thread is not None:
            raise RuntimeError("the sandbox server is already running")
        # Binding here, not in uvicorn, lets port 0 choose a free port we can read back.
        # An explicit IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when
        # proto says TCP, and without it every keep-alive request waits ~40 ms on delayed ACKs.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self._port))
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, proxy_headers=False, lifespan="off")
        ready = threading.Event()
        server = _Server(config, ready)

        def serve() -> None:
            try:
                server.run(sockets=[sock])
            finally:
                ready.set()  # also wakes start() when startup failed

        thread = threading.Thread(target=serve, name="optout-sandbox", daemon=True)
        self._socket, self._server, self._thread = sock, server, thread
        thread.start()
        if not ready.wait(_START_TIMEOUT_SECONDS) or not server.started:
            self.stop()
            raise RuntimeError("the sandbox server did not start")
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(_STOP_TIMEOUT_SECONDS)
        if self._socket is not None:
            self._socket.close()
        self._socket, self._server, self._thread = None, None, None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
