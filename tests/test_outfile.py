"""Output paths (mlp_core.outfile): checked before any work, written beside the target and
renamed into place, and nothing but a regular file is ever replaced."""

from __future__ import annotations

import os
import socket
import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlp_core.outfile import AtomicOutput, OutputPathError, check_output_path, write_atomically

# What can stand at the output path, and what can stand where its folder should be.
TARGETS = ("absent", "regular", "read-only", "folder", "fifo", "socket", "link to regular", "link to fifo",
           "dangling link", "link to folder")  # fmt: skip
FOLDERS = ("exists", "missing", "is a file")


def make(path: Path, kind: str) -> None:
    """Put a thing of ``kind`` at ``path`` (its folder exists)."""
    if kind == "absent":
        return
    if kind in ("regular", "read-only"):
        path.write_bytes(b"old contents")
        if kind == "read-only":
            path.chmod(0o444)
    elif kind == "folder":
        path.mkdir()
        (path / "inside").write_bytes(b"x")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(str(path))
    elif kind.startswith("link to") or kind == "dangling link":
        other = path.parent / ("other-" + path.name)
        if kind != "dangling link":
            make(other, kind.removeprefix("link to ").strip())
        path.symlink_to(other)


def snapshot(root: Path) -> dict:
    """Every entry under ``root``: its type, permissions, inode and contents (regular files)."""
    entries = {}
    for path in sorted(root.rglob("*")):
        st_ = os.lstat(path)
        data = path.read_bytes() if stat.S_ISREG(st_.st_mode) else None
        entries[str(path.relative_to(root))] = (stat.S_IFMT(st_.st_mode), stat.S_IMODE(st_.st_mode), st_.st_ino, data)
    return entries


def expected_ok(target: str, folder: str) -> bool:
    if folder != "exists":
        return False
    if target == "read-only":
        return os.geteuid() == 0  # root may write a read-only file, and access() says so
    return target in ("absent", "regular", "link to regular", "dangling link")


NAMES = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\0"), min_size=1,
                max_size=40).filter(lambda n: n not in (".", "..") and len(os.fsencode(n)) < 60)  # fmt: skip


@settings(max_examples=120, deadline=None)
@given(target=st.sampled_from(TARGETS), folder=st.sampled_from(FOLDERS), name=NAMES)
def test_a_path_is_accepted_only_when_it_is_new_or_a_regular_file_in_a_folder(target, folder, name):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if folder == "exists":
            where = root / "out"
            where.mkdir()
            make(where / name, target)
        elif folder == "is a file":
            where = root / "out"
            where.write_bytes(b"a file, not a folder")
        else:
            where = root / "missing"
        path = where / name
        before = snapshot(root)
        if expected_ok(target, folder):
            assert check_output_path(path) == Path(os.path.realpath(path))
        else:
            with pytest.raises(OutputPathError) as refused:
                check_output_path(path)
            assert refused.value.path == str(path) and str(refused.value) == f"{path}: {refused.value.reason}"
            with pytest.raises(OutputPathError):
                AtomicOutput(path)  # nor reserved
        assert snapshot(root) == before  # checking changes nothing


@settings(max_examples=60, deadline=None)
@given(target=st.sampled_from(TARGETS), name=NAMES, data=st.binary(max_size=2000))
def test_writing_replaces_only_the_one_regular_file_and_leaves_no_temporary_file(target, name, data):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / name
        make(path, target)
        before = snapshot(root)
        if not expected_ok(target, "exists"):
            with pytest.raises(OutputPathError):
                write_atomically(path, data)
            assert snapshot(root) == before
            return
        written = Path(os.path.realpath(path))
        write_atomically(path, data)
        assert written.read_bytes() == data
        after = snapshot(root)
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        assert changed == {str(written.relative_to(root))}  # no temporary file left, nothing else touched
        if path.is_symlink():
            assert os.readlink(path) and path.read_bytes() == data  # the link stays a link


def test_a_replaced_file_keeps_its_permissions_and_a_new_one_is_ordinary(tmp_path):
    old = tmp_path / "old.npz"
    old.write_bytes(b"x")
    old.chmod(0o600)
    write_atomically(old, b"new")
    assert old.read_bytes() == b"new" and stat.S_IMODE(old.stat().st_mode) == 0o600
    write_atomically(tmp_path / "new.npz", b"n")
    assert stat.S_IMODE((tmp_path / "new.npz").stat().st_mode) == 0o644


def test_a_failure_while_writing_keeps_the_old_file_and_removes_the_temporary_one(tmp_path, monkeypatch):
    target = tmp_path / "model.npz"
    target.write_bytes(b"the old model")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_atomically(target, b"the new model")
    assert target.read_bytes() == b"the old model" and sorted(tmp_path.iterdir()) == [target]


def test_a_target_that_turns_into_a_pipe_while_the_work_runs_is_not_replaced(tmp_path):
    target = tmp_path / "model.npz"
    with AtomicOutput(target) as out:
        assert len(list(tmp_path.iterdir())) == 1  # the reserved temporary file
        os.mkfifo(target)  # someone puts a pipe there while the model trains
        with pytest.raises(OutputPathError, match="named pipe"):
            out.commit(b"model")
    assert stat.S_ISFIFO(os.lstat(target).st_mode) and sorted(tmp_path.iterdir()) == [target]


def test_leaving_without_a_commit_removes_the_reserved_file(tmp_path):
    with pytest.raises(KeyboardInterrupt), AtomicOutput(tmp_path / "model.npz"):
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_refuses_new_files_fails_when_reserving(tmp_path):
    if Path("/proc/self").is_dir():
        with pytest.raises(OutputPathError, match="no file can be created in /proc"):
            AtomicOutput("/proc/model.npz")
    with pytest.raises(OutputPathError, match="no file name given"):
        AtomicOutput("")


def test_a_device_is_never_replaced(tmp_path):
    device = tmp_path / "full"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 7))  # what /dev/full is
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot create a device node here: {exc}")
    before = os.lstat(device)
    with pytest.raises(OutputPathError, match="is a character device, not a regular file"):
        write_atomically(device, b"model")
    after = os.lstat(device)
    assert (after.st_mode, after.st_rdev, after.st_ino) == (before.st_mode, before.st_rdev, before.st_ino)
