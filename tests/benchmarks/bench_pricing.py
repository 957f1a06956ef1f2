"""Price import and valuation speed.

Run by hand: `.venv/bin/python tests/benchmarks/bench_pricing.py`.

Imports the full LiteLLM file from ../shared/fixtures/prices (about 3,000 entries) into a fresh
SQLite database (or DATABASE_URL), re-imports it, and times one valuation. Last line: key=value.
Targets: import under 2 s with bulk inserts, re-import under 0.5 s writing nothing,
quote under 1 ms.
"""

from __future__ import annotations

import datetime
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from pricing.models import PriceSnapshot  # noqa: E402,F401
from pricing.services import prices_refresh  # noqa: E402
from pricing.valuation import PROFILES, ModelShare, TokenLine, value_token_line  # noqa: E402

AS_OF = datetime.date(2026, 8, 1)  # the file's date, as published


def main() -> None:
    payload = ROOT.parent / "shared" / "fixtures" / "prices" / "litellm_2026-08-01.json"
    if not payload.exists():
        sys.exit(f"needs {payload}")
    call_command("migrate", verbosity=0)

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        first = prices_refresh(source="litellm", file=payload, as_of=AS_OF)
    import_s = time.perf_counter() - started
    assert first.outcome == "created", first.message

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as requeries:
        again = prices_refresh(source="litellm", file=payload, as_of=AS_OF)
    reimport_s = time.perf_counter() - started
    assert again.outcome == "unchanged", again.message
    writes = [
        q for q in requeries.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")
    ]

    rates = first.snapshot.prices.get(model_id="claude-sonnet-4-5").rates()  # type: ignore[union-attr]
    runs = 2000
    started = time.perf_counter()
    for _ in range(runs):
        value_token_line(
            TokenLine(
                models=(ModelShare(rates=rates, share=Decimal(1)),),
                profile=PROFILES["agentic-coding"],
                mix=PROFILES["agentic-coding"].mix,
                usd_per_day=Decimal("150"),
            )
        )
    quote_ms = (time.perf_counter() - started) / runs * 1000

    print(
        f"models imported: {first.accepted}, rejected {len(first.rejected)}, "
        f"skipped {first.skipped}"
    )
    print(f"re-import writes: {len(writes)}")
    print(
        f"import_s={import_s:.2f} import_queries={len(queries)} reimport_s={reimport_s:.2f} "
        f"reimport_writes={len(writes)} quote_ms={quote_ms:.3f}"
    )


if __name__ == "__main__":
    main()
