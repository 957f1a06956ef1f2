"""The two roles of the app, as Django groups created by data migrations."""

from __future__ import annotations

RECRUITERS = "Recruiters"
HIRING_MANAGERS = "Hiring managers"
# Finance or the head of recruiting: the second approval of offers outside an exception rule.
EXCEPTION_APPROVERS = "Exception approvers"
