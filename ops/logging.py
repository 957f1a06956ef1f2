"""Log filters for the operator's logs."""

from __future__ import annotations

import logging
import re

CANDIDATE_PATH = re.compile(r"/o/[A-Za-z0-9_\-]+")


class RedactCandidateTokens(logging.Filter):
    """Replace the token of a candidate link (`/o/<token>/…`) by `/o/[token]` in every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/o/" in message:
            record.msg = CANDIDATE_PATH.sub("/o/[token]", message)
            record.args = ()
        return True
