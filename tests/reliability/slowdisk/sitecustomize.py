"""Loaded by the test subprocesses (PYTHONPATH): simulate a slow or failing disk, at the OS-call level.

HSP_TEST_SLOW_DISK=1     os.write writes at most 256 KiB per call and pauses 10 ms after each call;
                         os.fsync pauses 20 ms (a network drive), so a kill can land mid-write.
HSP_TEST_FAIL_WRITE=ERR  os.write to any file whose name ends in ".tmp" (or HSP_TEST_FAIL_SUFFIX)
                         raises OSError(errno.ERR) after HSP_TEST_FAIL_AFTER bytes (default 0): a
                         full disk (ENOSPC), an I/O error (EIO), a quota (EDQUOT).
HSP_TEST_FAIL_FSYNC=ERR  os.fsync raises OSError(errno.ERR).
HSP_TEST_PAUSE_BEFORE_TEMP=DIR  a save waits before creating its temporary file until DIR/go exists.
HSP_TEST_PAUSE_WRITING=FILE and HSP_TEST_PAUSE_DIR=DIR  the first os.write to FILE (a path, or
                         `*SUFFIX` for any file whose name ends so) writes at most 64 KiB, then
                         creates DIR/paused and waits until DIR/go exists: a save stopped half-way
                         through writing that file (to be killed there, or read meanwhile).
"""

import errno
import os
import time

_write, _fsync = os.write, os.fsync

if os.environ.get("HSP_TEST_SLOW_DISK"):
    def _slow_write(fd, data):
        n = _write(fd, memoryview(data)[: 256 * 1024])
        time.sleep(0.01)
        return n

    def _slow_fsync(fd):
        time.sleep(0.02)
        return _fsync(fd)

    os.write, os.fsync = _slow_write, _slow_fsync

if os.environ.get("HSP_TEST_FAIL_WRITE"):
    _code = getattr(errno, os.environ["HSP_TEST_FAIL_WRITE"])
    _budget = [int(os.environ.get("HSP_TEST_FAIL_AFTER", "0"))]

    def _failing_write(fd, data):
        try:
            name = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            name = ""
        if name.endswith(os.environ.get("HSP_TEST_FAIL_SUFFIX", ".tmp")):
            if _budget[0] <= 0:
                raise OSError(_code, os.strerror(_code))
            data = memoryview(data)[: _budget[0]]
            _budget[0] -= len(data)
        return _write(fd, data)

    os.write = _failing_write

if os.environ.get("HSP_TEST_FAIL_FSYNC"):
    _fcode = getattr(errno, os.environ["HSP_TEST_FAIL_FSYNC"])

    def _failing_fsync(fd):
        raise OSError(_fcode, os.strerror(_fcode))

    os.fsync = _failing_fsync

if os.environ.get("HSP_TEST_PAUSE_BEFORE_TEMP"):
    # HSP_TEST_PAUSE_BEFORE_TEMP=DIR: when a save is about to create its temporary file (the plan read
    # and changed, under the lock, nothing written yet), create DIR/paused and wait until DIR/go exists.
    _pause_dir = os.environ["HSP_TEST_PAUSE_BEFORE_TEMP"]
    _inner_open = os.open

    def _pausing_open(path, flags, *args, **kwargs):
        name = os.fspath(path)
        if isinstance(name, str) and name.endswith(".tmp") and not name.endswith(".bak.tmp") \
                and flags & os.O_CREAT and not os.path.exists(os.path.join(_pause_dir, "go")):
            open(os.path.join(_pause_dir, "paused"), "w").close()
            while not os.path.exists(os.path.join(_pause_dir, "go")):
                time.sleep(0.01)
        return _inner_open(path, flags, *args, **kwargs)

    os.open = _pausing_open

if os.environ.get("HSP_TEST_PAUSE_WRITING"):
    _target = os.environ["HSP_TEST_PAUSE_WRITING"]
    _marks = os.environ["HSP_TEST_PAUSE_DIR"]
    _before_pause = os.write
    _paused = [False]

    def _matches(fd):
        try:
            name = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return False
        return name.endswith(_target[1:]) if _target.startswith("*") else name == _target

    def _pausing_write(fd, data):
        if _paused[0] or not _matches(fd):
            return _before_pause(fd, data)
        _paused[0] = True
        n = _before_pause(fd, memoryview(data)[: 64 * 1024])
        open(os.path.join(_marks, "paused"), "w").close()
        while not os.path.exists(os.path.join(_marks, "go")):
            time.sleep(0.01)
        return n

    os.write = _pausing_write
