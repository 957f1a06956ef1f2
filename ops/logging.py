"""Log filters for the operator's logs."""

from __future__ import annotations

import logging
import re

# `/o/<token>`, the slash possibly percent-encoded, and everything up to the next slash, space,
# quote or query: a token with one character percent-encoded is still all redacted.
CANDIDATE_PATH = re.compile(r"/o(?:/|%2[fF])[^/\s\"'?#]+")


class RedactCandidateTokens(logging.Filter):
    """Replace the token of a candidate link (`/o/<token>/…`) by `/o/[token]` in every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/o" in message:
            record.msg = CANDIDATE_PATH.sub("/o/[token]", message)
            record.args = ()
        return True
