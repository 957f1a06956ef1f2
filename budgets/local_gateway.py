"""A real MLflow AI Gateway on loopback, with the only fake behind it: a small
OpenAI-compatible provider that answers every chat call with fixed usage (1,000 input and 500
output tokens). The test suite (`tests/gateways.py`), the benchmark and `make run`'s demo
(`manage.py demo_gateway`) start it the same way.

The gateway runs from its own environment (`var/tools/mlflow`, made by `make test` and
`make run`), so its dependencies never mix with the app's: SQLite stores, telemetry off, job
execution off, budgets refreshed every second. Start-up takes 20–30 s.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

MLFLOW = Path(__file__).resolve().parents[1] / "var" / "tools" / "mlflow" / "bin" / "mlflow"
INPUT_TOKENS, OUTPUT_TOKENS = 1000, 500  # every call's usage, as the fake provider reports it


class Provider(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", 0))
        asked = json.loads(self.rfile.read(length) or b"{}")
        body = json.dumps(
            {
                "id": "call",
                "object": "chat.completion",
                "created": 0,
                "model": asked.get("model", ""),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "ok"},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": INPUT_TOKENS,
                    "completion_tokens": OUTPUT_TOKENS,
                    "total_tokens": INPUT_TOKENS + OUTPUT_TOKENS,
                },
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
class LocalGateway:
    url: str
    admin: str
    admin_key: str
    process: subprocess.Popen[str]

    def call(self, identity: str, credential: str, model: str) -> httpx.Response:
        """One chat call as the employee makes it, with their credential."""
        return httpx.post(
            f"{self.url}/gateway/mlflow/v1/chat/completions",
            json={"model": model, "messages": [{"role": "user", "content": "hello"}]},
            auth=(identity, credential),
            timeout=30,
        )

    def admin_call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(
            method, f"{self.url}{path}", json=body, auth=(self.admin, self.admin_key), timeout=30
        )
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
        return response.json()


def _wait(url: str, process: subprocess.Popen[str], log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the MLflow gateway exited:\n{log.read_text()[-2000:]}")
        try:
            httpx.get(f"{url}/health", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise RuntimeError(f"the MLflow gateway did not answer at {url}")


@contextmanager
def running(
    folder: Path,
    *,
    port: int,
    provider_port: int = 0,
    admin: str,
    admin_key: str,
    prices: dict[str, tuple[Decimal, Decimal]],
    unpriced: tuple[str, ...] = (),
) -> Iterator[LocalGateway]:
    """The gateway on `port`, its provider on loopback, and an endpoint per model: `prices` gives
    each priced model's dollars per million input and output tokens (the gateway's own catalog),
    `unpriced` models it serves with no price. Run again on the same folder, it keeps its users
    and traces and sets up only what is missing."""
    if not MLFLOW.exists():
        raise RuntimeError(f"{MLFLOW} is missing: `make test` or `make run` installs it")
    folder.mkdir(parents=True, exist_ok=True)
    provider = ThreadingHTTPServer(("127.0.0.1", provider_port), Provider)
    threading.Thread(target=provider.serve_forever, daemon=True).start()
    (folder / "catalog").mkdir(exist_ok=True)
    (folder / "catalog" / "openai.json").write_text(
        json.dumps(
            {
                "schema_version": 1,
                "models": {
                    model: {
                        "mode": "chat",
                        "pricing": {
                            "input_per_million_tokens": float(input_usd),
                            "output_per_million_tokens": float(output_usd),
                        },
                    }
                    for model, (input_usd, output_usd) in prices.items()
                },
            }
        )
    )
    (folder / "auth.ini").write_text(
        "[mlflow]\n"
        "default_permission = NO_PERMISSIONS\n"
        f"database_uri = sqlite:///{folder}/auth.db\n"
        f"admin_username = {admin}\n"
        f"admin_password = {admin_key}\n"
        "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
    )
    log = folder / "server.log"
    process = subprocess.Popen(  # noqa: S603  (our own installed mlflow, fixed arguments)
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
            "MLFLOW_FLASK_SERVER_SECRET_KEY": "local-gateway-flask-secret",
            "MLFLOW_CRYPTO_KEK_PASSPHRASE": "local-gateway-kek-passphrase",
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "DO_NOT_TRACK": "true",
            "MLFLOW_MODEL_CATALOG_URI": f"file://{folder}/catalog",
            "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
            "MLFLOW_GATEWAY_BUDGET_REFRESH_INTERVAL": "1",
            # The provider is our own, on loopback.
            "MLFLOW_GATEWAY_API_BASE_ALLOW_PRIVATE_IPS": "true",
            "MLFLOW_GATEWAY_API_BASE_ALLOWED_SCHEMES": "http,https",
        },
        stdout=log.open("w"),  # a file: a full pipe would stop it
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    gateway = LocalGateway(
        url=f"http://127.0.0.1:{port}", admin=admin, admin_key=admin_key, process=process
    )
    try:
        _wait(gateway.url, process, log, seconds=180)
        _set_up(gateway, provider.server_port, [*prices, *unpriced])
        yield gateway
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        provider.shutdown()


def _set_up(gateway: LocalGateway, provider_port: int, models: list[str]) -> None:
    """What the gateway's owner sets up once: the provider's key and an endpoint per model."""
    base = f"http://127.0.0.1:{provider_port}/v1"
    secrets = gateway.admin_call("GET", "/api/3.0/mlflow/gateway/secrets/list").get("secrets", [])
    named = [secret for secret in secrets if secret.get("secret_name") == "provider"]
    if named:
        secret = named[0]["secret_id"]
        gateway.admin_call(  # the provider's port changes from run to run
            "POST",
            "/api/3.0/mlflow/gateway/secrets/update",
            {
                "secret_id": secret,
                "secret_value": {"api_key": "sk-local-provider"},
                "auth_config": {"api_base": base},
            },
        )
    else:
        secret = gateway.admin_call(
            "POST",
            "/api/3.0/mlflow/gateway/secrets/create",
            {
                "secret_name": "provider",
                "secret_value": {"api_key": "sk-local-provider"},
                "provider": "openai",
                "auth_config": {"api_base": base},
            },
        )["secret"]["secret_id"]
    served = {
        endpoint["name"]
        for endpoint in gateway.admin_call("GET", "/api/3.0/mlflow/gateway/endpoints/list").get(
            "endpoints", []
        )
    }
    for model in models:
        if model in served:
            continue
        definition = gateway.admin_call(
            "POST",
            "/api/3.0/mlflow/gateway/model-definitions/create",
            {"name": model, "secret_id": secret, "provider": "openai", "model_name": model},
        )["model_definition"]["model_definition_id"]
        gateway.admin_call(
            "POST",
            "/api/3.0/mlflow/gateway/endpoints/create",
            {
                "name": model,
                "model_configs": [{"model_definition_id": definition, "linkage_type": "PRIMARY"}],
                "usage_tracking": True,
            },
        )
