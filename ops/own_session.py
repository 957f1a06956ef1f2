"""Run a command in a session of its own, passing it SIGTERM alone: `python -m ops.own_session …`.

honcho (make run) stops a process by signalling its whole process group, so a Celery worker's
pool processes would be killed under it and it would log them as errors and be killed itself
five seconds later. Here only Celery's main process is told to stop: it finishes its current
task and stops its pool itself, quietly (or, after a few seconds, stops at once).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

# Within honcho's five seconds between its SIGTERM and its SIGKILL.
WARM_SECONDS, COLD_SECONDS = 1.5, 2.0


def main(command: list[str]) -> int:
    process = subprocess.Popen(command, start_new_session=True)  # noqa: S603

    stop_asked: list[float] = []

    def forward(signum: int, frame: object) -> None:
        if not stop_asked:
            stop_asked.append(time.monotonic())
            process.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    sent = signal.SIGTERM
    while (code := process.poll()) is None:
        time.sleep(0.1)
        waited = time.monotonic() - stop_asked[0] if stop_asked else 0.0
        # A warm shutdown can wait on the filesystem broker's polling: after a moment stop
        # at once. Jobs are acknowledged only when done, so an interrupted one comes back.
        if waited > WARM_SECONDS and sent == signal.SIGTERM:
            process.send_signal(signal.SIGQUIT)
            sent = signal.SIGQUIT
        elif waited > WARM_SECONDS + COLD_SECONDS and sent == signal.SIGQUIT:
            os.killpg(process.pid, signal.SIGKILL)
            sent = signal.SIGKILL
    return 0 if stop_asked or code == 0 else code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
