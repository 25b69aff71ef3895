"""Output files written safely: the target is checked before any work starts, and the
data goes to a temporary file in the same folder that is then renamed over the target.

So a failure never leaves half a file, and nothing but a regular file is ever
replaced: a device (``/dev/full``), a named pipe, a socket or a folder given as
the output is refused up front, with a sentence saying why.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from types import TracebackType

NEW_FILE_MODE = 0o644  # an ordinary file (mkstemp makes its files private)


class OutputPathError(OSError):
    """An output path that will not be written. ``str()`` is "<path>: <reason>"."""

    def __init__(self, path: str | os.PathLike, reason: str) -> None:
        super().__init__(f"{os.fspath(path)}: {reason}")
        self.path = os.fspath(path)
        self.reason = reason


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def check_output_path(path: str | os.PathLike) -> Path:
    """The file to write for ``path`` (symbolic links followed), after checking that its
    folder exists and takes new files and that it is absent or a regular file.

    Raises :class:`OutputPathError` otherwise. Nothing is created or changed.
    """
    if os.fspath(path) == "":
        raise OutputPathError(path, "no file name given")
    target = Path(os.path.realpath(path))  # a link is followed to the file it names
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        raise OutputPathError(path, "a part of this path is a file, not a folder") from None
    except OSError as exc:
        raise OutputPathError(path, exc.strerror or type(exc).__name__) from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise OutputPathError(path, "is a folder; give a file name, such as " + str(Path(path) / "model.npz"))
        if not stat.S_ISREG(st.st_mode):
            raise OutputPathError(path, f"is {_kind(st.st_mode)}, not a regular file, so it is not replaced")
        if not os.access(target, os.W_OK):
            raise OutputPathError(path, "is read-only")
    folder = target.parent
    if not folder.is_dir():
        raise OutputPathError(path, f"the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputPathError(path, f"the folder {folder} does not let you create files")
    return target


class AtomicOutput:
    """A file to be written later, reserved now: the path is checked and a temporary file is
    created beside it, so a folder that refuses new files (``/proc``, a full or read-only
    disk) fails here, before the work whose result it is meant to keep.

    ``commit(data)`` writes the data and renames the temporary file over the target;
    leaving the ``with`` block without a commit (an error, Ctrl-C) removes it.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = path
        self.target = check_output_path(path)
        try:
            self._fd, self._tmp = tempfile.mkstemp(
                prefix=f".{self.target.name[:40]}.", suffix=".tmp", dir=self.target.parent
            )
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise OutputPathError(path, f"no file can be created in {self.target.parent} ({reason})") from None
        self.committed = False

    def commit(self, data: bytes) -> None:
        """Write ``data`` and move it into place: the target is either the old file or the new one."""
        if self.committed:
            raise RuntimeError("already written")
        fd, self._fd = self._fd, -1
        try:
            if check_output_path(self.path) != self.target:  # the target may have changed while the work ran
                raise OutputPathError(self.path, "now names another file than when it was checked")
            current = os.stat(self.target) if self.target.exists() else None
            mode = stat.S_IMODE(current.st_mode) if current is not None else NEW_FILE_MODE
            with os.fdopen(fd, "wb") as f:
                fd = -1
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(self._tmp, mode)
            os.replace(self._tmp, self.target)
            self.committed = True
        except BaseException:
            if fd >= 0:
                os.close(fd)
            self.discard()
            raise

    def discard(self) -> None:
        """Remove the temporary file (the target is left as it was)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if not self.committed:
            Path(self._tmp).unlink(missing_ok=True)

    def __enter__(self) -> AtomicOutput:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.discard()


def write_atomically(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through :class:`AtomicOutput` (check, temporary file, rename)."""
    with AtomicOutput(path) as out:
        out.commit(data)
