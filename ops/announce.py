"""Say where the app is once it really answers: `python -m ops.announce URL`, for make run."""

from __future__ import annotations

import signal
import sys
import time
import urllib.error
import urllib.request


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own loopback URL)
            return True
    except urllib.error.HTTPError:
        return True  # 503 from /healthz is an answer too
    except OSError:
        return False


def main(url: str) -> None:
    while not answers(url):
        time.sleep(0.5)
    site = url.rsplit("/", 1)[0]
    print(
        f"\n  Offer builder: {site}/   (hiring managers: {site}/admin/)\n"
        "  Web server, Celery worker, Celery beat and the demo LLM gateway are running; Ctrl-C "
        "stops them all.\n",
        flush=True,
    )
    # Stay until make run stops (honcho stops everything once one process ends).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    while True:
        signal.pause()


if __name__ == "__main__":
    main(sys.argv[1])
