"""Loaded by the test subprocesses (PYTHONPATH): simulate a slow or failing disk, at the OS-call level.

HSP_TEST_SLOW_DISK=1     os.write writes at most 256 KiB per call and pauses 10 ms after each call;
                         os.fsync pauses 20 ms (a network drive), so a kill can land mid-write.
HSP_TEST_FAIL_WRITE=ERR  os.write to any file whose name ends in ".tmp" raises OSError(errno.ERR)
                         after HSP_TEST_FAIL_AFTER bytes (default 0): a full disk (ENOSPC), an I/O
                         error (EIO), a quota (EDQUOT).
HSP_TEST_FAIL_FSYNC=ERR  os.fsync raises OSError(errno.ERR).
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
        if name.endswith(".tmp"):
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
