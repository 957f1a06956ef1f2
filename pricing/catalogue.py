"""Which models the picker shows first, and how one model is recognised across sources.

This list holds names, never prices: prices come only from the sources. A model is
"first-party" in a source when the company that makes it sells it there (Anthropic's Claude at
Anthropic, not on Bedrock); the picker lists those first and names the host of the others.
"""

from __future__ import annotations

import re

# The picker's first page, and the models every refresh cross-checks across sources
# (canonical ids, see `canonical_id`). Reviewed 2026-11-29 against the makers' model pages.
FEATURED = [
    "claude-opus-5-5",
    "claude-sonnet-5-5",
    "claude-haiku-5-5",
    "claude-sonnet-4-5",
    "gpt-6-1-sol",
    "gpt-6-1-terra",
    "gpt-6-luna",
    "gpt-5-6-sol",
    "gpt-5",
    "gemini-4-argon",
    "gemini-3-8-flash",
    "grok-4-7",
    "deepseek-v4-pro",
    "deepseek-v4-flash",
    "mistral-large-4",
    "kimi-k3",
    "glm-5-3",
]

# Model families and the company that makes them: the first words of a model's name.
MAKERS = [
    ("claude", "anthropic"),
    ("gpt", "openai"),
    ("chatgpt", "openai"),
    ("codex", "openai"),
    ("o1", "openai"),
    ("o3", "openai"),
    ("o4", "openai"),
    ("gemini", "google"),
    ("gemma", "google"),
    ("grok", "xai"),
    ("deepseek", "deepseek"),
    ("mistral", "mistral"),
    ("ministral", "mistral"),
    ("magistral", "mistral"),
    ("devstral", "mistral"),
    ("codestral", "mistral"),
    ("pixtral", "mistral"),
    ("kimi", "moonshot"),
    ("glm", "zhipu"),
]

# How each source names the makers when they sell their own models.
SELLERS = {
    # genai-prices provider ids
    "anthropic": "anthropic",
    "openai": "openai",
    "google": "google",
    "x-ai": "xai",
    "deepseek": "deepseek",
    "mistral": "mistral",
    "moonshotai": "moonshot",
    "zhipuai": "zhipu",
    "zai": "zhipu",
    # LiteLLM's litellm_provider (and OpenRouter's id prefixes)
    "gemini": "google",
    "xai": "xai",
    "moonshot": "moonshot",
    "mistralai": "mistral",
    "z-ai": "zhipu",
    "text-completion-openai": "openai",
}

DATE_SUFFIX = re.compile(r"-(20\d{6}|\d{4}-\d{2}-\d{2})$")
VENDOR_PREFIX = re.compile(r"^(anthropic|openai|google|meta|mistral|xai|deepseek)\.")
VERSION_SUFFIX = re.compile(r"-v\d+(:\d+)?$")


def canonical_id(model_id: str) -> str:
    """`anthropic/claude-sonnet-4.5`, `claude-sonnet-4-5-20250929`, `eu.anthropic.claude-sonnet-4-5`
    and `claude-sonnet-4-5` are all `claude-sonnet-4-5`."""
    name = model_id.rsplit("/", 1)[-1].lower()
    name = name.split(":", 1)[0] if ":free" in name else name
    name = re.sub(r"^(us|eu|apac|global|au|jp)\.", "", name)
    name = VENDOR_PREFIX.sub("", name)
    name = VERSION_SUFFIX.sub("", name)
    name = name.replace(".", "-").replace("_", "-")
    return DATE_SUFFIX.sub("", name)


def maker(canonical: str) -> str | None:
    for prefix, company in MAKERS:
        if (
            canonical == prefix
            or canonical.startswith(prefix + "-")
            or (prefix in {"o1", "o3", "o4"} and canonical.startswith(prefix))
        ):
            return company
    return None


def is_first_party(seller: str, canonical: str) -> bool:
    company = maker(canonical)
    return company is not None and SELLERS.get(seller.lower()) == company
