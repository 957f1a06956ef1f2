# Two commands do all set-up on a machine with Python 3.11+:  make run  and  make test.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := var/tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
# The MLflow AI Gateway the budget tests run for real, in an environment of its own.
MLFLOW_VERSION := 3.17.2
MLFLOW := $(TOOLS)/mlflow/bin/mlflow
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test test-fast venv lint check clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --compile-bytecode --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')"
	touch $@

venv: $(VENV)/.synced

$(MLFLOW): $(UV)
	$(UV) venv -q --allow-existing $(TOOLS)/mlflow --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')"
	$(UV) pip install -q --python $(TOOLS)/mlflow/bin/python "mlflow[auth]==$(MLFLOW_VERSION)"
	touch $@

# make run's LLM gateway: a demo MLflow gateway on loopback (manage.py demo_gateway), unless
# TOKEN_GATEWAY_URL is given (then the demo stays idle and never touches that gateway;
# TOKEN_GATEWAY= turns budgets off).
DEMO_GATEWAY = TOKEN_GATEWAY_DEMO=$$([ -z "$${TOKEN_GATEWAY_URL+set}" ] && echo yes || echo no) \
	TOKEN_GATEWAY=$${TOKEN_GATEWAY-mlflow} \
	TOKEN_GATEWAY_URL=$${TOKEN_GATEWAY_URL-http://127.0.0.1:5050} \
	TOKEN_GATEWAY_ADMIN_USER=$${TOKEN_GATEWAY_ADMIN_USER-demo-gateway-admin} \
	TOKEN_GATEWAY_ADMIN_KEY=$${TOKEN_GATEWAY_ADMIN_KEY-demo-gateway-admin-2026}

run: venv
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py refresh_prices --source genai-prices
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py signing_test_certificate
	DEBUG=$${DEBUG:-true} $(DEMO_GATEWAY) $(BIN)/python manage.py demo_data
	@echo
	@echo "  Starting the web server, a Celery worker, Celery beat and the demo LLM gateway (installed"
	@echo "  on first run, beside the web); the address follows once the web answers."
	@echo
	@# honcho ends with 130 after Ctrl-C: that is how make run is meant to stop, not an error.
	DEBUG=$${DEBUG:-true} $(DEMO_GATEWAY) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -f Procfile.dev start || [ $$? -eq 130 ]

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

test: lint $(MLFLOW)
	$(BIN)/pytest

# The inner loop: no browser, no worker, no gateway, no process of the app's own, and no
# service to start (SQLite, the filesystem broker); `make test` is the whole suite.
test-fast: venv
	env -u DATABASE_URL -u CELERY_BROKER_URL -u CACHE_URL $(BIN)/pytest -q -p no:cacheprovider \
		-m "not browser and not worker and not machines and not gateway and not processes and not slow"

clean:
	rm -rf $(VENV) $(TOOLS)
