"""Child processes die with kg: a server or query child must not outlive the command that started it."""

import os
import signal


def die_with_parent(sig: int = signal.SIGKILL, parent: int | None = None) -> None:
    """In a child: ask Linux to send `sig` when the parent exits, however it exits (kill -9 included).

    `parent`: the pid the child was started by, for a child that calls this only after starting up
    (a spawned worker), when the parent may be gone already."""
    parent = parent or os.getppid()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, int(sig))
    except (OSError, AttributeError):
        return  # not Linux: the signal handlers in the parent still cover SIGTERM, SIGINT and SIGHUP
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


class forward_signals:
    """In the parent: SIGTERM, SIGHUP and SIGINT make kg exit as it was asked to, stopping the child first.

    The handler only raises; the child is stopped on the way out of the block, once whatever kg was
    waiting in (subprocess.wait holds a lock) has let go.
    """

    SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)

    def __init__(self, stop):
        self.stop = stop
        self.saved = {}

    def __enter__(self):
        for sig in self.SIGNALS:
            self.saved[sig] = signal.signal(sig, _exit)
        return self

    def __exit__(self, exc_type, exc, tb):
        for sig, handler in self.saved.items():
            signal.signal(sig, handler)
        if exc_type is not None:
            self.stop()


def _exit(sig, frame):
    raise SystemExit(128 + sig)
