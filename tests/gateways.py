"""A real MLflow AI Gateway on loopback for the budget tests, with the only fake behind it: a
small OpenAI-compatible provider that answers every chat call with fixed usage (1,000 input and
500 output tokens; at the catalog's test prices, $1 + $1 = $2 a call).

The gateway runs from its own environment (`var/tools/mlflow`, made by `make test`), so its
dependencies never mix with the app's. Start-up takes 20–30 s: one gateway per test session.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import free_port, wait_until_answering

MLFLOW = Path(__file__).resolve().parents[1] / "var" / "tools" / "mlflow" / "bin" / "mlflow"
ADMIN, ADMIN_KEY = "gateway-admin", "gateway-admin-key-for-tests-only"
MODEL = "fake-model"  # served, with catalog prices
UNPRICED = "unpriced-model"  # served, no price in the catalog


class Provider(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", 0))
        asked = json.loads(self.rfile.read(length) or b"{}")
        body = json.dumps(
            {
                "id": "call",
                "object": "chat.completion",
                "created": 0,
                "model": asked.get("model", MODEL),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "ok"},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@dataclass
class RunningGateway:
    url: str
    process: subprocess.Popen[str]

    def call(self, identity: str, credential: str, model: str = MODEL) -> httpx.Response:
        """One chat call as the employee makes it, with their credential."""
        return httpx.post(
            f"{self.url}/gateway/mlflow/v1/chat/completions",
            json={"model": model, "messages": [{"role": "user", "content": "hello"}]},
            auth=(identity, credential),
            timeout=30,
        )


def _admin(url: str, path: str, body: dict[str, Any]) -> Any:
    response = httpx.post(f"{url}{path}", json=body, auth=(ADMIN, ADMIN_KEY), timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="session")
def mlflow_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    if not MLFLOW.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{MLFLOW} is missing: `make test` installs the MLflow gateway")
        pytest.skip("the MLflow gateway is not installed (make test installs it)")
    folder = tmp_path_factory.mktemp("mlflow")
    provider = ThreadingHTTPServer(("127.0.0.1", free_port()), Provider)
    threading.Thread(target=provider.serve_forever, daemon=True).start()
    (folder / "catalog").mkdir()
    (folder / "catalog" / "openai.json").write_text(
        json.dumps(
            {
                "schema_version": 1,
                "models": {
                    MODEL: {
                        "mode": "chat",
                        "pricing": {
                            "input_per_million_tokens": 1000.0,
                            "output_per_million_tokens": 2000.0,
                        },
                    }
                },
            }
        )
    )
    (folder / "auth.ini").write_text(
        "[mlflow]\n"
        "default_permission = NO_PERMISSIONS\n"
        f"database_uri = sqlite:///{folder}/auth.db\n"
        f"admin_username = {ADMIN}\n"
        f"admin_password = {ADMIN_KEY}\n"
        "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
    )
    port = free_port()
    process = subprocess.Popen(
        [
            str(MLFLOW),
            "server",
            "--app-name",
            "basic-auth",
            "--backend-store-uri",
            f"sqlite:///{folder}/mlflow.db",
            "--default-artifact-root",
            str(folder / "artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        cwd=folder,
        env={
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(folder),
            "MLFLOW_AUTH_CONFIG_PATH": str(folder / "auth.ini"),
            "MLFLOW_FLASK_SERVER_SECRET_KEY": "tests-only-flask-secret",
            "MLFLOW_CRYPTO_KEK_PASSPHRASE": "tests-only-kek-passphrase",
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "DO_NOT_TRACK": "true",
            "MLFLOW_MODEL_CATALOG_URI": f"file://{folder}/catalog",
            "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
            "MLFLOW_GATEWAY_BUDGET_REFRESH_INTERVAL": "1",
            # The provider is the test's own, on loopback.
            "MLFLOW_GATEWAY_API_BASE_ALLOW_PRIVATE_IPS": "true",
            "MLFLOW_GATEWAY_API_BASE_ALLOWED_SCHEMES": "http,https",
        },
        stdout=(folder / "server.log").open("w"),  # a file: a full pipe would stop it
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{url}/health", process, "the MLflow gateway", seconds=120)
        # What the gateway's owner sets up once: the provider's key and an endpoint per model.
        secret = _admin(
            url,
            "/api/3.0/mlflow/gateway/secrets/create",
            {
                "secret_name": "provider",
                "secret_value": {"api_key": "sk-test-provider"},
                "provider": "openai",
                "auth_config": {"api_base": f"http://127.0.0.1:{provider.server_port}/v1"},
            },
        )["secret"]["secret_id"]
        for model in (MODEL, UNPRICED):
            definition = _admin(
                url,
                "/api/3.0/mlflow/gateway/model-definitions/create",
                {"name": model, "secret_id": secret, "provider": "openai", "model_name": model},
            )["model_definition"]["model_definition_id"]
            _admin(
                url,
                "/api/3.0/mlflow/gateway/endpoints/create",
                {
                    "name": model,
                    "model_configs": [
                        {"model_definition_id": definition, "linkage_type": "PRIMARY"}
                    ],
                    "usage_tracking": True,
                },
            )
        yield RunningGateway(url=url, process=process)
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)
        provider.shutdown()


@pytest.fixture
def gateway_on(settings: Any, mlflow_gateway: RunningGateway) -> RunningGateway:
    """The app pointed at the test gateway, the offers' usual model named as its priced one."""
    settings.TOKEN_GATEWAY, settings.TOKEN_GATEWAY_URL = "mlflow", mlflow_gateway.url
    settings.TOKEN_GATEWAY_ADMIN_USER, settings.TOKEN_GATEWAY_ADMIN_KEY = ADMIN, ADMIN_KEY
    settings.TOKEN_GATEWAY_MODELS = {"claude-sonnet-4-5": MODEL}
    return mlflow_gateway
