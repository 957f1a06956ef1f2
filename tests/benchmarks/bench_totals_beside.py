"""The builder's live totals now, beside the code of an earlier commit, in one run.

Run by hand: `.venv/bin/python tests/benchmarks/bench_totals_beside.py [COMMIT]` (default
2132bba, the code of 2026-12-03 that issue 39 measures against). It checks COMMIT out into a
temporary git worktree, then, alternating between the two trees so that both see the same
machine, runs `totals_parts` in each: a fresh SQLite database, one offer's builder form posted as
the browser posts it while the recruiter types, and the median milliseconds of that request and
of its parts (tests/benchmarks/parts.py of each tree). It prints each tree's figures and the
ratios now/then: issue 39's targets are valuing <= 1.5 and the whole request <= 1.2.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 3  # runs per tree, alternating

# Run inside a tree: value one form post there, print its parts as JSON.
CHILD = """
import json, os, sys, tempfile, urllib.parse
sys.path.insert(0, os.getcwd())
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.benchmarks.bench_settings"
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
from tests import factories
from tests.benchmarks import parts
recruiter = factories.user("bench")
manager = factories.user("manager", role=factories.HIRING_MANAGERS, is_staff=True)
factories.offer(by=recruiter, hiring_manager=manager)
client = Client()
client.force_login(recruiter)
form = urllib.parse.urlencode(
    factories.form_post(recompute="1", hiring_manager=manager.pk, budget_hint_for="L5")
)
def totals():
    response = client.post(
        "/offers/new/", form, content_type="application/x-www-form-urlencoded",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200, response.status_code
    return response
print("FIGURES " + json.dumps(parts.parts_ms(totals)))
"""


def run(tree: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=False,
    )
    for line in done.stdout.splitlines():
        if line.startswith("FIGURES "):
            return json.loads(line.removeprefix("FIGURES "))  # type: ignore[no-any-return]
    raise SystemExit(f"{tree} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def main(commit: str = "2132bba") -> None:
    with tempfile.TemporaryDirectory() as folder:
        old = Path(folder) / "old"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(old), commit],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            now_runs, then_runs = [], []
            for _ in range(ROUNDS):
                now_runs.append(run(ROOT))
                then_runs.append(run(old))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT)

    def median(runs: list[dict[str, float]], part: str) -> float:
        return statistics.median(one.get(part, 0.0) for one in runs)

    names = ["total", "db", "templates", "form", "valuing", "python"]
    now = {p: median(now_runs, p) for p in names}
    then = {p: median(then_runs, p) for p in names}
    print(f"rounds={ROUNDS} (each the median of 200 requests) commit={commit}")
    print("now_ms=" + ",".join(f"{p}:{now[p]:.2f}" for p in names))
    print("then_ms=" + ",".join(f"{p}:{then[p]:.2f}" for p in names))
    print(
        f"ratio_total={now['total'] / then['total']:.2f} (target <= 1.2) "
        f"ratio_valuing={now['valuing'] / then['valuing']:.2f} (target <= 1.5) "
        f"ratio_form={now['form'] / then['form']:.2f}"
    )


if __name__ == "__main__":
    main(*sys.argv[1:2])
