"""stdout and stderr that outlive their reader: `optout check | head -1` closes the pipe after one line,
and a run must still finish, seal its evidence and exit with its own status, not die on the next write
with a BrokenPipeError (and a run left unsealed)."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any, TextIO, cast


class ReaderGoneSafe:
    """A text stream whose writes are dropped, quietly, once its reader has closed the pipe."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.reader_gone = False

    def write(self, text: str) -> int:
        if not self.reader_gone:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._drop()
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if not self.reader_gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._drop()

    def _drop(self) -> None:
        self.reader_gone = True
        # What is still buffered would fail again when Python flushes the stream at exit, with a warning
        # on stderr: the descriptor goes to /dev/null instead.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, self._stream.fileno())
            finally:
                os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def guard_standard_streams() -> None:
    """Make sys.stdout and sys.stderr drop writes once their reader is gone."""
    if not isinstance(sys.stdout, ReaderGoneSafe):
        sys.stdout = cast(TextIO, ReaderGoneSafe(sys.stdout))
    if not isinstance(sys.stderr, ReaderGoneSafe):
        sys.stderr = cast(TextIO, ReaderGoneSafe(sys.stderr))
