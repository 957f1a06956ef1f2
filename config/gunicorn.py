"""gunicorn's settings for the `web` process (`Procfile`: `gunicorn -c python:config.gunicorn`).

The access log goes to standard output, as twelve-factor platforms collect it, through a logger
that writes `/o/[token]` for a candidate's token, as the app's own logs do (`ops.logging`).
"""

from __future__ import annotations

accesslog = "-"
logger_class = "ops.logging.RedactingGunicornLogger"
