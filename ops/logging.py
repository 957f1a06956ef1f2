"""Log filters for the operator's logs."""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger

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


class RedactingGunicornLogger(Logger):
    """gunicorn's logger (the `web` process: `config/gunicorn.py`) with the tokens redacted from
    its access and error logs: the request line, the path and the referrer pass the filter."""

    def setup(self, cfg: object) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            log.addFilter(RedactCandidateTokens())
