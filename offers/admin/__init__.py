"""The Django admin, where hiring managers, exception approvers and the People team work.

- `site`: the offers awaiting a person's decision (the project's admin site, `config.admin`,
  leads its home with them).
- `offers`: the offers list and review page, the approve/reject decision, personal data.
- `letter_templates`: the People team's letter templates, versions and previews.
- `policies`: departments, the exception rules and salary bands.
"""

from __future__ import annotations

from offers.admin import letter_templates, offers, policies, site

__all__ = ["letter_templates", "offers", "policies", "site"]
