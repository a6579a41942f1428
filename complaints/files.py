"""Writing files that may hold personal data: owner-only, and never over an existing file unless asked."""
import os
from pathlib import Path
from typing import IO


class FileExists(FileExistsError):
    def __init__(self, path: Path):
        super().__init__(f"{path} already exists: choose another --out, or add --force to overwrite it")


def open_private(path: Path, force: bool = False, encoding: str = "utf-8", newline: str | None = None) -> IO[str]:
    """Open `path` for writing with mode 0600; an existing file is replaced only with `force`."""
    return os.fdopen(_private_fd(Path(path), force), "w", encoding=encoding, newline=newline)


def open_private_bytes(path: Path, force: bool = False) -> IO[bytes]:
    """`open_private` for bytes (a spreadsheet, a PDF)."""
    return os.fdopen(_private_fd(Path(path), force), "wb")


def _private_fd(path: Path, force: bool) -> int:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise FileExists(path) from None
    os.fchmod(fd, 0o600)  # an overwritten file keeps no wider mode it had before
    return fd


def create_secret(path: Path, content: str) -> None:
    """Write a new key or token file (mode 0600, its folder made); never over one that exists, so two
    processes starting together keep the first one's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(content + "\n")
