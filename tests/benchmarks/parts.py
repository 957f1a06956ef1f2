"""Where one request's time goes, in-process: database, templates, the offer form, valuing it.

`bench_builder.py` prints these beside its rates, so that a ratio that misses its target comes
with the floor of each part. Each part's time is its own (exclusive): a query run while a template
renders counts as database time, not template time. What no part claims is "python": middleware,
session, the view's own code, and Django's test client sending the request (no HTTP). Nothing
here changes what runs; it only times it.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import wraps
from typing import Any
from unittest import mock

from django import forms
from django.db import connection
from django.http import QueryDict
from django.template import engines
from django.template.backends.django import Template

from offers import views
from offers.forms import OfferForm

ROUNDS = 200


class Stopwatch:
    """Exclusive time per part: the innermost part running gets the time."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.stack: list[str] = []
        self.mark = 0.0

    def enter(self, part: str) -> None:
        now = time.perf_counter()
        if self.stack:
            self.seconds[self.stack[-1]] += now - self.mark
        self.stack.append(part)
        self.mark = now

    def leave(self) -> None:
        now = time.perf_counter()
        self.seconds[self.stack.pop()] += now - self.mark
        self.mark = now

    def timed(self, part: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.enter(part)
            try:
                return function(*args, **kwargs)
            finally:
                self.leave()

        return wrapper


@contextmanager
def watching(watch: Stopwatch) -> Iterator[None]:
    def query(execute: Callable[..., Any], *args: Any) -> Any:
        watch.enter("db")
        try:
            return execute(*args)
        finally:
            watch.leave()

    with ExitStack() as stack:
        stack.enter_context(connection.execute_wrapper(query))
        for owner, name, part in [
            (Template, "render", "templates"),
            (OfferForm, "__init__", "form"),
            (OfferForm, "full_clean", "form"),
            (OfferForm, "preview", "valuing"),
            (views, "figures_context", "valuing"),
        ]:
            original = getattr(owner, name)
            stack.enter_context(mock.patch.object(owner, name, watch.timed(part, original)))
        yield


def parts_ms(request: Callable[[], object]) -> dict[str, float]:
    """Median milliseconds of each part over ROUNDS runs of `request`, and of the whole."""
    request()  # warm up
    rounds: list[dict[str, float]] = []
    for _ in range(ROUNDS):
        watch = Stopwatch()
        with watching(watch):
            start = time.perf_counter()
            watch.enter("python")
            request()
            watch.leave()
            total = time.perf_counter() - start
        rounds.append({"total": total, **watch.seconds})
    names = sorted({name for one in rounds for name in one}, key=PART_ORDER.index)
    return {name: statistics.median(one.get(name, 0.0) for one in rounds) * 1000 for name in names}


PART_ORDER = ["total", "db", "templates", "form", "valuing", "python"]


def elapsed_ms(action: Callable[[], object]) -> float:
    """Milliseconds one run of `action` takes."""
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def median_ms(action: Callable[[], object], rounds: int = ROUNDS) -> float:
    """Median milliseconds of `rounds` runs of `action`, after one run to warm up."""
    action()
    return statistics.median(elapsed_ms(action) for _ in range(rounds))


def floors(post: dict[str, list[str]]) -> str:
    """What the framework alone costs for the two pages that miss their targets.

    `form_floor`: binding and validating a plain Django form with the offer form's own fields
    (those that need no database), nothing else. `rows_floor`: a Django template of the list's
    25 rows of 6 cells, each cell a plain variable, no filters, no layout around it."""
    data = QueryDict(mutable=True)
    for name, values in post.items():
        data.setlist(name, values)
    fields = {
        name: field
        for name, field in OfferForm(data).fields.items()
        if not isinstance(field, forms.ModelChoiceField)
    }

    class Plain(forms.Form):
        pass

    Plain.base_fields = fields  # after the class is made: its metaclass sets the declared ones

    def form_floor() -> None:
        bound = Plain(data)
        bound.is_valid()  # the floor is the work, valid or not
        assert len(bound.cleaned_data) + len(bound.errors) >= len(fields)

    rows = [{f"cell{n}": f"value {n}" for n in range(6)} for _ in range(25)]
    template = engines["django"].from_string(
        "<table>{% for row in rows %}<tr><td>{{ row.cell0 }}</td><td>{{ row.cell1 }}</td>"
        "<td>{{ row.cell2 }}</td><td>{{ row.cell3 }}</td><td>{{ row.cell4 }}</td>"
        "<td>{{ row.cell5 }}</td></tr>{% endfor %}</table>"
    )
    return (
        f"floors_ms=form_floor:{median_ms(form_floor):.2f} fields:{len(fields)},"
        f"rows_floor:{median_ms(lambda: template.render({'rows': rows})):.2f}"
    )


def line(page: str, parts: dict[str, float]) -> str:
    return f"{page}_ms=" + ",".join(f"{name}:{ms:.2f}" for name, ms in parts.items())
