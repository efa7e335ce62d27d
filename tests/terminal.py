"""A command started as a parent would start it, in a terminal of its own (a pseudo-terminal), so
that a test can press Ctrl-C: the terminal sends SIGINT to its foreground process group, as a real
one does, rather than the test choosing which processes get it."""

import fcntl
import os
import subprocess
import termios
from typing import Sequence


class InTerminal:
    def __init__(self, command: Sequence[str], **popen_options):
        """popen_options as for subprocess.Popen (stdout, stderr, cwd, env); stdin is the terminal."""
        self.master, terminal = os.openpty()
        try:
            # the command leads a new session whose controlling terminal is this one; its process
            # group is the terminal's foreground group, as a shell makes it for a command it runs
            self.process = subprocess.Popen(
                list(command),
                stdin=terminal,
                start_new_session=True,
                preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
                **popen_options,
            )
        finally:
            os.close(terminal)

    def press_ctrl_c(self) -> None:
        os.write(self.master, b"\x03")

    def close(self) -> None:
        os.close(self.master)
