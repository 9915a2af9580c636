"""Keys for the terminal screener: one key without Enter, or lines from a pipe."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Protocol, TextIO

__all__ = ["EOF", "ESCAPE", "KeyList", "KeySource", "TerminalKeys"]

EOF = "\x04"  # end of input, or Ctrl-D
ESCAPE = "\x1b"  # Esc, or an arrow or function key


class KeySource(Protocol):
    """Where keys come from: one key, or one line when a note is typed."""

    def read_key(self) -> str:
        """Return the next key; :data:`EOF` at the end of input."""
        ...

    def read_line(self) -> str:
        """Return the next line without its newline; :data:`EOF` at the end."""
        ...


class KeyList:
    """Keys and lines from a sequence (tests, scripts); :data:`EOF` after it."""

    def __init__(self, keys: Sequence[str]) -> None:
        self._keys = iter(keys)

    def read_key(self) -> str:
        """Return the next item."""
        return next(self._keys, EOF)

    def read_line(self) -> str:
        """Return the next item."""
        return next(self._keys, EOF)


class TerminalKeys:
    """Keys from a terminal without Enter, or one line per key from a pipe."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdin

    def read_key(self) -> str:
        """Return one key (a terminal) or one stripped line (not a terminal)."""
        if not self.stream.isatty():
            line = self.stream.readline()
            return line.strip() if line else EOF
        return _raw_key(self.stream)

    def read_line(self) -> str:
        """Return one line typed with echo, Enter ending it."""
        line = self.stream.readline()
        return line.rstrip("\r\n") if line else EOF


def _raw_key(stream: TextIO) -> str:  # pragma: no cover - needs a real terminal
    if sys.platform == "win32":
        import msvcrt

        key = msvcrt.getwch()
        if key in ("\x00", "\xe0"):  # an arrow or function key: two characters
            msvcrt.getwch()
            return ESCAPE
        return key
    import select
    import termios
    import tty

    fd = stream.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd)
        first = os.read(fd, 1)
        if first == b"\x1b":  # drain the rest of an arrow or function key
            while select.select([fd], [], [], 0.02)[0]:
                os.read(fd, 32)
            return ESCAPE
        if not first:
            return EOF
        lead = first[0]
        more = 0 if lead < 0xC0 else 1 if lead < 0xE0 else 2 if lead < 0xF0 else 3
        data = first + (os.read(fd, more) if more else b"")
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    return data.decode("utf-8", errors="replace")
