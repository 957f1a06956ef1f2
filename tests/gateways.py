"""A real MLflow AI Gateway on loopback for the budget tests (`budgets.local_gateway`), with the
only fake behind it: a small OpenAI-compatible provider that answers every chat call with fixed
usage (1,000 input and 500 output tokens; at the catalog's test prices, $1 + $1 = $2 a call).

The gateway runs from its own environment (`var/tools/mlflow`, made by `make test`), so its
dependencies never mix with the app's. Start-up takes 20–30 s: one gateway per test session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest

from budgets.local_gateway import MLFLOW, LocalGateway, running
from tests.servers import free_port

ADMIN, ADMIN_KEY = "gateway-admin", "gateway-admin-key-for-tests-only"
MODEL = "fake-model"  # served, with catalog prices
UNPRICED = "unpriced-model"  # served, no price in the catalog


@dataclass
class RunningGateway:
    url: str
    local: LocalGateway

    def call(self, identity: str, credential: str, model: str = MODEL) -> httpx.Response:
        """One chat call as the employee makes it, with their credential."""
        return self.local.call(identity, credential, model)


@pytest.fixture(scope="session")
def mlflow_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    if not MLFLOW.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{MLFLOW} is missing: `make test` installs the MLflow gateway")
        pytest.skip("the MLflow gateway is not installed (make test installs it)")
    with running(
        tmp_path_factory.mktemp("mlflow"),
        port=free_port(),
        admin=ADMIN,
        admin_key=ADMIN_KEY,
        # $1,000 and $2,000 a million tokens: $1 + $1 for each call's 1,000 in and 500 out.
        prices={MODEL: (Decimal(1000), Decimal(2000))},
        unpriced=(UNPRICED,),
    ) as local:
        yield RunningGateway(url=local.url, local=local)


@pytest.fixture
def gateway_on(settings: Any, mlflow_gateway: RunningGateway) -> RunningGateway:
    """The app pointed at the test gateway, the offers' usual model named as its priced one."""
    settings.TOKEN_GATEWAY, settings.TOKEN_GATEWAY_URL = "mlflow", mlflow_gateway.url
    settings.TOKEN_GATEWAY_ADMIN_USER, settings.TOKEN_GATEWAY_ADMIN_KEY = ADMIN, ADMIN_KEY
    settings.TOKEN_GATEWAY_MODELS = {"claude-sonnet-4-5": MODEL}
    return mlflow_gateway
