"""Where a letter render's time goes, and what the letter's tables and chart cost each engine.

Run by hand: `.venv/bin/python tests/benchmarks/letter_parts.py` (Debian's Chromium needed). For
the standard letter of the demo offer it prints WeasyPrint's median time per stage (HTML parse,
cascade, boxes, layout, drawing and writing the PDF), then both engines' medians for the letter
as it is and for the same letter with every table and the chart taken out. A diagnostic for issue
6, not a target: `bench_letters.py` measures the targets.
"""

from __future__ import annotations

import collections
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import weasyprint.document  # noqa: E402
from weasyprint import HTML  # noqa: E402

from tests.benchmarks import bench_letters  # noqa: E402  (sets Django up)

# isort: split
from offers import letters  # noqa: E402

STAGES: dict[str, list[float]] = collections.defaultdict(list)


def timed(stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        result = function(*args, **kwargs)
        if stage == "layout":
            result = list(result)  # a generator: the work happens while it is consumed
        STAGES[stage].append((time.perf_counter() - start) * 1000)
        return result

    return wrapper


def measure_stages() -> None:
    module: Any = weasyprint.document
    module.get_all_computed_styles = timed("cascade", module.get_all_computed_styles)
    module.build_formatting_structure = timed("boxes", module.build_formatting_structure)
    module.layout_document = timed("layout", module.layout_document)
    document: Any = weasyprint.document.Document
    document.write_pdf = timed("draw_and_write", document.write_pdf)
    html: Any = HTML
    html.__init__ = timed("parse", html.__init__)


def weasyprint_median(html: str) -> float:
    return bench_letters.median_ms(
        lambda: letters.render_document(html, letters.StaticOnlyFetcher()).write_pdf()
    )


def without_tables_and_chart(html: str) -> str:
    return re.sub(r"<(table|svg)\b[^>]*>.*?</\1>", "", html, flags=re.S)


def main() -> None:
    offer = bench_letters.prepare()
    html = letters.letter_html(offer, draft=False)
    standalone = bench_letters.standalone_html(offer)
    measure_stages()
    weasyprint_median(html)
    stages = " ".join(
        f"{stage}_ms={statistics.median(times[1:]):.1f}" for stage, times in STAGES.items()
    )
    ours, ours_text = weasyprint_median(html), weasyprint_median(without_tables_and_chart(html))
    theirs = bench_letters.chromium_median(standalone)
    theirs_text = bench_letters.chromium_median(without_tables_and_chart(standalone))
    print(stages)
    print(
        f"weasyprint_ms={ours:.0f} weasyprint_text_only_ms={ours_text:.0f} "
        f"chromium_ms={theirs:.0f} chromium_text_only_ms={theirs_text:.0f}"
    )


if __name__ == "__main__":
    main()
