"""Letter templates HR writes: their wording, rendered safely, with the app's own figures.

A body is text with placeholders (`{{ candidate_name }}`), clauses that show only when a
condition holds (`{% if has_sign_on_bonus %}…{% endif %}`) and a little formatting: `#`
headings, paragraphs, `-` and `1.` lists, `**bold**` and `*italic*` (Markdown, nothing else: no
links, images, code or HTML). The app's own blocks — the pay table, the chart, the vesting
table, the token budget and the signatures — are placed by naming them on a line of their own
(`{{ pay_table }}`); the fingerprint footer is always printed.

Safety, in layers:
- On save, the body is parsed and every node checked: only text, placeholders, `if`/`elif`/
  `else`, comparisons and `and`/`or`/`not`, a few text filters, and `for` over the lists offered
  (token models). No calls, no attribute or item access beyond a loop item's own fields, no
  arithmetic, no `include`/`import`/`extends`/macros; an unknown placeholder is named with the
  line. A body that fails cannot be saved.
- At render, Jinja2's immutable sandbox runs it over plain values prepared for the letter
  (strings, booleans, lists of small dicts: never model objects), with no globals, calls refused,
  only dict items readable, and its output capped.
- Every value is escaped for Markdown before it is parsed, and Markdown is parsed with HTML off,
  so no offer text becomes markup; the blocks go in after, by unguessable markers.
"""

from __future__ import annotations

import difflib
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.filters import FILTERS
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markdown_it import MarkdownIt

# Languages a letter can be written in: Babel locale ids.
LANGUAGES = [
    ("en_US", "English (United States)"),
    ("en_GB", "English (United Kingdom)"),
    ("en_IN", "English (India)"),
    ("en_CA", "English (Canada)"),
    ("de_DE", "German (Germany)"),
    ("fr_FR", "French (France)"),
    ("ja_JP", "Japanese (Japan)"),
]


def language_name(code: str) -> str:
    return dict(LANGUAGES).get(code, code)


# Every placeholder a body may name, with what it holds (the admin and the README list these).
PLACEHOLDERS: dict[str, str] = {
    "company": "the company's name",
    "today": "the letter's date",
    "candidate_name": "the candidate's full name",
    "candidate_first_name": "the first word of the candidate's name",
    "role_title": "the role",
    "level": "the level",
    "department": "the department",
    "location": "the location",
    "start_date": "the start date",
    "expires_on": "the last day the offer is open",
    "currency": "the offer's currency code (USD, EUR…)",
    "base_salary": "base salary a year",
    "target_bonus_percent": "target bonus, % of base",
    "bonus_at_target": "bonus at target a year",
    "sign_on_bonus": "sign-on bonus",
    "equity_kind": "RSUs, stock options or no equity, in words",
    "equity_units": "number of RSUs or options",
    "equity_price_per_unit": "price per share",
    "equity_strike_price": "strike price (options)",
    "equity_first_year": "equity vesting in year 1, valued today",
    "vesting_years": "vesting years",
    "cliff_months": "cliff months",
    "vesting_frequency": "monthly, quarterly or annually",
    "token_budget_per_day": "token budget a day, in US dollars",
    "token_budget_per_year": "token budget a year, in the offer's currency",
    "token_price_date": "the date of the prices the token budget is valued at",
    "token_models": "list of the token models: loop with {% for model in token_models %} and "
    "use model.name, model.usd_per_day, model.tokens_per_day",
    "first_year_total": "first-year total",
    "four_year_total": "four-year total",
    "hiring_manager": "the hiring manager's name",
    "recruiter": "the recruiter's name",
    "signatory_name": "the signatory's name",
    "signatory_title": "the signatory's title",
    "has_sign_on_bonus": "true when there is a sign-on bonus",
    "has_bonus": "true when there is a target bonus",
    "has_equity": "true when there is equity",
    "equity_is_options": "true for stock options",
    "equity_is_rsus": "true for RSUs",
    "has_cliff": "true when vesting has a cliff",
    "has_token_budget": "true when there is a token budget",
    "is_draft": "true on a letter of figures not yet approved",
}
# The fields of each item of a list placeholder.
LIST_ITEMS = {"token_models": {"name", "usd_per_day", "tokens_per_day"}}
# The app's own blocks, each named on a line of its own.
BLOCKS: dict[str, str] = {
    "pay_table": "the table of pay with first-year and four-year totals",
    "chart": "the four-year chart",
    "vesting_table": "the equity vesting schedule (nothing without equity)",
    "token_budget": "the token budget: per model, what it buys, prices and their date, terms",
    "signatures": "the signatory's and the candidate's signature lines",
}
REQUIRED_BLOCKS = ["pay_table", "token_budget", "signatures"]
FILTERS_ALLOWED = ["upper", "lower", "capitalize", "title", "trim", "default"]
ALLOWED_NODES = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Const,
    nodes.Name,
    nodes.If,
    nodes.For,
    nodes.Compare,
    nodes.Operand,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.CondExpr,
    nodes.Filter,
    nodes.Test,
    nodes.Getattr,
)
OUTPUT_LIMIT = 100_000  # characters: more is no letter (and stops a runaway template)


class TemplateProblem(ValueError):
    """What is wrong with a body, and on which line."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"line {line}: {message}" for line, message in problems))


class LetterSandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox, stricter: only dict items are readable, nothing is callable."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Mapping) and attribute in obj and not attribute.startswith("_"):
            return obj[attribute]
        return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        return self.getattr(obj, str(argument))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        raise SecurityError("a letter template cannot call anything")


@cache
def environment() -> LetterSandbox:
    env = LetterSandbox(
        undefined=StrictUndefined,
        autoescape=False,
        finalize=markdown_escape,
        keep_trailing_newline=True,
    )
    env.globals.clear()
    env.filters = {name: FILTERS[name] for name in FILTERS_ALLOWED}
    return env


@cache
def markdown() -> MarkdownIt:
    """Markdown with HTML off and only headings, paragraphs, lists, bold, italic, escapes."""
    return MarkdownIt("zero", {"html": False, "breaks": True}).enable(
        ["heading", "list", "emphasis", "escape", "newline"]
    )


MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def markdown_escape(value: Any) -> str:
    """A value as literal text in Markdown: every ASCII punctuation mark backslash-escaped
    (CommonMark reads those as the characters themselves) and no line breaks."""
    if isinstance(value, bool):
        value = "yes" if value else "no"
    text = " ".join(str(value).split())
    return MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


def check(body: str) -> None:
    """Refuse a body that does not compile, names what is not offered, or does what a letter
    template may not; the problem says on which line."""
    env = environment()
    try:
        tree = env.parse(body)
    except TemplateSyntaxError as error:
        raise TemplateProblem([(error.lineno, _syntax_message(error))]) from error
    problems: list[tuple[int, str]] = []
    _walk(tree, frozenset(), problems)
    lines = body.splitlines()
    used = {node.name for node in tree.find_all(nodes.Name)}
    for block in REQUIRED_BLOCKS:
        if block not in used:
            problems.append(
                (
                    len(lines) or 1,
                    f"the letter must show {BLOCKS[block]}: put {{{{ {block} }}}} "
                    "on a line of its own where it goes",
                )
            )
    for number, line in enumerate(lines, start=1):
        for block in BLOCKS:
            if re.search(r"{{-?\s*" + block + r"\s*-?}}", line) and not re.fullmatch(
                r"\s*{{-?\s*" + block + r"\s*-?}}\s*", line
            ):
                problems.append((number, f"{{{{ {block} }}}} must be on a line of its own"))
    if problems:
        raise TemplateProblem(sorted(problems))


def _syntax_message(error: TemplateSyntaxError) -> str:
    message = error.message or "this does not compile"
    if "no filter named" in message or "no test named" in message:
        return f"{message} (filters allowed: {', '.join(FILTERS_ALLOWED)})"
    if "Encountered unknown tag" in message:
        return f"{message.split('.')[0]}: only if, elif, else, endif, for and endfor are allowed"
    return message


def _walk(node: nodes.Node, loop_names: frozenset[str], problems: list[tuple[int, str]]) -> None:
    line = getattr(node, "lineno", 1)
    if not isinstance(node, ALLOWED_NODES):
        problems.append((line, _refusal(node)))
        return
    if isinstance(node, nodes.Name) and node.ctx == "load":
        if (
            node.name not in PLACEHOLDERS
            and node.name not in BLOCKS
            and node.name not in loop_names
        ):
            near = difflib.get_close_matches(node.name, [*PLACEHOLDERS, *BLOCKS], n=1)
            hint = f" (did you mean {near[0]}?)" if near else ""
            problems.append((line, f"unknown placeholder “{node.name}”{hint}"))
        return
    if isinstance(node, nodes.Getattr):
        target = node.node
        if isinstance(target, nodes.Name) and target.name not in loop_names:
            if target.name in PLACEHOLDERS or target.name in BLOCKS:
                problems.append((line, f"“{target.name}” is a value: it has no fields"))
            else:
                problems.append((line, f"unknown placeholder “{target.name}”"))
            return
        if not (isinstance(target, nodes.Name) and target.name in loop_names):
            problems.append((line, "only the item of a loop has fields (model.name)"))
            return
        fields = set().union(*LIST_ITEMS.values())
        if node.attr not in fields:
            problems.append(
                (line, f"a token model has no field “{node.attr}” ({', '.join(sorted(fields))})")
            )
        return
    if isinstance(node, nodes.For):
        if not (isinstance(node.iter, nodes.Name) and node.iter.name in LIST_ITEMS):
            problems.append((line, f"a loop can only go over {', '.join(LIST_ITEMS)}"))
            return
        if node.recursive or node.test is not None or not isinstance(node.target, nodes.Name):
            problems.append((line, "write a loop as {% for model in token_models %}"))
            return
        inner = loop_names | {node.target.name}
        for child in [*node.body, *node.else_]:
            _walk(child, inner, problems)
        return
    if isinstance(node, nodes.Filter) and node.name not in FILTERS_ALLOWED:
        problems.append((line, f"no filter “{node.name}” (allowed: {', '.join(FILTERS_ALLOWED)})"))
        return
    for child in node.iter_child_nodes():
        _walk(child, loop_names, problems)


REFUSALS: dict[type[nodes.Node], str] = {
    nodes.Include: "{% include %} is not allowed: a template cannot read other files",
    nodes.Import: "{% import %} is not allowed",
    nodes.FromImport: "{% from … import %} is not allowed",
    nodes.Extends: "{% extends %} is not allowed",
    nodes.Macro: "macros are not allowed",
    nodes.CallBlock: "{% call %} is not allowed",
    nodes.Call: "calling anything is not allowed: placeholders are values",
    nodes.Getitem: "indexing is not allowed: placeholders are values",
    nodes.Assign: "{% set %} is not allowed",
    nodes.AssignBlock: "{% set %} is not allowed",
    nodes.FilterBlock: "{% filter %} blocks are not allowed",
    nodes.With: "{% with %} is not allowed",
    nodes.Block: "{% block %} is not allowed",
}


def _refusal(node: nodes.Node) -> str:
    for kind, message in REFUSALS.items():
        if isinstance(node, kind):
            return message
    if isinstance(node, nodes.BinExpr | nodes.UnaryExpr | nodes.Concat):
        return "arithmetic is not allowed: the figures come ready"
    return f"{type(node).__name__} is not allowed in a letter template"


@dataclass(frozen=True)
class RenderedBody:
    html: str
    blocks_used: list[str]


def render(
    body: str, values: Mapping[str, Any], blocks: Mapping[str, Callable[[], str]]
) -> RenderedBody:
    """The body as HTML: placeholders filled in the sandbox, Markdown parsed with HTML off, and
    the app's blocks (trusted HTML, rendered only when placed) put where the body names them."""
    env = environment()
    nonce = secrets.token_hex(8)
    markers = {name: f"LETTERBLOCK{nonce}{index}END" for index, name in enumerate(BLOCKS)}
    context = {**values, **markers}
    try:
        template = env.from_string(body)
        chunks: list[str] = []
        size = 0
        for chunk in template.generate(context):
            size += len(chunk)
            if size > OUTPUT_LIMIT:
                raise TemplateProblem(
                    [(1, f"the letter grew past {OUTPUT_LIMIT:,} characters and was stopped")]
                )
            chunks.append(chunk)
    except TemplateSyntaxError as error:
        raise TemplateProblem([(error.lineno, _syntax_message(error))]) from error
    except (UndefinedError, SecurityError) as error:
        raise TemplateProblem([(1, str(error))]) from error
    text = "".join(chunks)
    # A block's line is a paragraph of its own whatever surrounds it.
    for marker in markers.values():
        text = re.sub(rf"^[ \t]*{marker}[ \t]*$", f"\n{marker}\n", text, flags=re.MULTILINE)
    html = markdown().render(text)
    used = []
    for name, marker in markers.items():
        if marker not in html:
            continue
        used.append(name)
        block = blocks[name]()
        html = html.replace(f"<p>{marker}</p>", block).replace(marker, block)
    return RenderedBody(html=html, blocks_used=used)
