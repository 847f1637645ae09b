"""Writing output files: whole or not at all, with one line when the disk or the folder says no."""

import os
import tempfile
from pathlib import Path

from .errors import KgError


class OutputError(KgError):
    """An output file kg cannot write."""


def write_bytes(path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: a full disk leaves no truncated file."""
    path = Path(path)
    if not path.parent.is_dir():
        raise OutputError(f"{path}: the folder {path.parent} does not exist", hint="create it or choose another path")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})",
                          hint="free some space or choose another path") from None
