"""Write files so a reader never sees half of one: temp file, then rename; and a
command's set of files staged, then published together (:func:`staged_into`)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

import pandas as pd

from wfm.errors import WfmInputError
from wfm.io.interrupt import check as check_interrupt
from wfm.io.interrupt import held


def file_mode() -> int:
    """The mode a new file gets under the process's umask (``0o666 & ~umask``), as
    ``open()`` would give it; ``mkstemp``'s temp files are 0600 whatever the umask."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _temp_beside(path: Path, suffix: str) -> str:
    """A new empty temp file beside ``path`` with the umask's mode; its name."""
    if path.is_dir():
        raise WfmInputError("cannot write the output: it is a directory", file=str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
        os.close(fd)
        os.chmod(tmp, file_mode())
    except OSError as exc:
        raise WfmInputError(f"cannot write the output: {exc.strerror}", file=str(path)) from None
    return tmp


def write_atomic_path(path: str | Path, write: Callable[[str], None],
                      suffix: str = ".tmp") -> None:
    """Call ``write(temp_path)`` (a library that writes a file by name, e.g. a workbook)
    on a temp file beside ``path``, then rename it over ``path``; as :func:`write_atomic`.
    ``suffix`` ends the temp name (``.tmp.xlsx`` for a writer that checks it)."""
    path = Path(path)
    tmp = _temp_beside(path, suffix)
    try:
        write(tmp)
        check_interrupt()  # a Ctrl-C whose KeyboardInterrupt was dropped: no new file
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise WfmInputError(f"cannot write the output: {exc.strerror}", file=str(path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: str | Path, write: Callable[[IO[str]], None]) -> None:
    """Call ``write(handle)`` on a temp file beside ``path``, then rename it over ``path``.

    On any error the temp file is removed and ``path`` is left as it was.
    The file gets the mode of any new file under the umask (0644 under umask 022), not
    the temp file's 0600, so colleagues on a shared drive can read it.
    An output that cannot be written (a directory in the way, no permission,
    disk full) is a :class:`WfmInputError` naming the path.
    """
    def to_file(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            write(handle)

    write_atomic_path(path, to_file)


def write_csv(path: str | Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` as CSV (``,`` separator, ``.`` decimal, ISO 8601 times) atomically."""
    write_atomic(path, lambda handle: frame.to_csv(handle, index=False, lineterminator="\n"))


@contextmanager
def staged_into(out: Path, owned: Sequence[str], tag: str) -> Iterator[Path]:
    """Stage a command's files for the directory ``out``, then publish them together.

    Yields a hidden staging directory inside ``out`` (``.TAG.PID.*.partial``) to write
    into.  When the ``with`` block ends normally, with SIGINT and SIGTERM held: every
    entry of the staging directory replaces the entry of that name in ``out`` (a file
    by one rename, a directory by two: the old one out of the way, the new one in, so
    no reader ever sees a directory half-written), then every entry named in ``owned``
    that this run did not write is removed (an earlier run's file that would now read as
    current).  ``out``'s other entries are not touched.  On an error or Ctrl-C the
    staging directory is removed and ``out`` is left as it was (and removed again if
    this call created it).  A SIGKILL leaves the staging directory, which the next call
    with the same ``tag`` removes.  A :class:`WfmInputError` naming a staged path names
    it under ``out``.
    """
    if out.exists() and not out.is_dir():
        raise WfmInputError("output must be a directory", file=str(out))
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        _remove_dead_stages(out, tag)
        stage = Path(tempfile.mkdtemp(prefix=f".{tag}.{os.getpid()}.", suffix=".partial",
                                      dir=out))
    except OSError as exc:
        raise WfmInputError(f"cannot write the output: {exc.strerror}", file=str(out)) from None
    ok = False
    try:
        yield stage
        _publish_entries(stage, out, owned)
        ok = True
    except WfmInputError as exc:
        name_under(exc, stage, out)
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        if created and not ok:
            shutil.rmtree(out, ignore_errors=True)


def name_under(exc: WfmInputError, stage: Path, out: Path) -> None:
    """Make an error that names a path in the hidden staging directory ``stage`` name
    the same path under ``out``, where the user will look for it."""
    if exc.file and exc.file.startswith(str(stage)):
        exc.file = str(out) + exc.file[len(str(stage)):]
        exc.args = (str(exc),)


def _publish_entries(stage: Path, out: Path, owned: Sequence[str]) -> None:
    """Move every entry of ``stage`` into ``out`` and remove ``owned`` entries of ``out``
    that ``stage`` does not have (see :func:`staged_into`); SIGINT and SIGTERM wait
    (:func:`wfm.io.interrupt.held`), and an earlier Ctrl-C publishes nothing."""
    with held():
        _move_entries(stage, out, owned)


def _move_entries(stage: Path, out: Path, owned: Sequence[str]) -> None:
    """The moves of :func:`_publish_entries`.  A file replaces a file in one rename (the
    old one kept as a hard link in the stage's trash), a directory in two; on an error
    partway every move done so far is undone, so ``out`` is left as it was."""
    undo: list[tuple[Path, Path]] = []  # (where it is now, where it was)

    def move(src: Path, dst: Path) -> None:
        os.replace(src, dst)
        undo.append((dst, src))

    try:
        new = sorted(e.name for e in stage.iterdir())
        trash = Path(tempfile.mkdtemp(prefix=".old.", dir=stage))
        for name in new:
            target = out / name
            if (target.is_dir() and not target.is_symlink()) or \
                    ((stage / name).is_dir() and (target.exists() or target.is_symlink())):
                move(target, trash / name)  # nothing replaces a directory in one rename
            elif target.is_file() and not target.is_symlink():
                os.link(target, trash / name)  # the old file, to put back on an error
                undo.append((trash / name, target))
            move(stage / name, target)
        for name in owned:
            if name not in new and (out / name).exists():
                move(out / name, trash / name)
    except OSError as exc:
        for now, was in reversed(undo):  # best effort: the error below names what failed
            with suppress(OSError):
                os.replace(now, was)
        raise WfmInputError(f"cannot write the output: {exc.strerror}",
                            file=str(exc.filename or out)) from None


def _remove_dead_stages(out: Path, tag: str) -> None:
    """Remove ``out/.TAG.PID.*.partial`` directories of processes that no longer run
    (a SIGKILL in the middle of :func:`staged_into`)."""
    prefix = f".{tag}."
    for entry in out.iterdir():
        if not (entry.name.startswith(prefix) and entry.name.endswith(".partial")):
            continue
        pid = entry.name[len(prefix):].split(".")[0]
        if entry.is_dir() and pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)


def pid_alive(pid: int) -> bool:
    """Does another process with this id run?  Our own id counts as not running: a
    staging directory named after it was left by an earlier process whose id was reused."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
