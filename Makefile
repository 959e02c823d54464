# Two commands do everything: `make run` and `make test`. See README.md; `make` alone lists all.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run port-free demo-password test lint format install migrate seed demo messages \
	clean worker beat bench chaos

help: ## this list (what plain `make` shows)
	@echo "Usage: make TARGET [PORT=8001] [ARGS=...]. Targets:"
	@awk -F':.*## ' '/^[a-z][a-z-]*:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "Settings: PORT=$(PORT) and HOST=$(HOST) for run (port busy? make run PORT=8001),"
	@echo "  ARGS for test (make test ARGS=\"tests/indicators -x\"), PYTHON=$(PYTHON)."

# The demo password (from `demo`) is the last thing printed before the server's banner.
run: port-free demo ## install, migrate, seed, demo accounts, serve HOST:PORT (make run PORT=8001)
	@$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install ## migration check + pytest; a subset, stop at 1st failure: ARGS="tests/plans -x"
	mkdir -p var
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(ARGS)

demo-password: seed ## give the demo accounts a new random password and print it
	$(BIN)/python manage.py create_demo_accounts --reset-password

# Stops `run` at once, before any set-up, when HOST:PORT cannot be listened on. Uses the venv's
# Python, else $(PYTHON); with neither, `install` explains what is missing.
define PORT_CHECK
import os, socket, sys
host, port = sys.argv[1].strip("[]"), sys.argv[2]
other = int(port) + 1 if port.isdigit() else 8001
try:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    socket.create_server((host, int(port)), family=family).close()
except (OSError, ValueError) as error:
    why = os.strerror(error.errno) if getattr(error, "errno", None) else error
    sys.exit(f"Cannot serve on {host}:{port} ({why}). Use another port: make run PORT={other}")
endef
export PORT_CHECK
port-free: ## (part of run) stop at once if HOST:PORT is already in use
	@py=$(firstword $(wildcard $(BIN)/python) $(PYTHON)); command -v $$py >/dev/null || exit 0; \
	$$py -c "$$PORT_CHECK" "$(HOST)" "$(PORT)"

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Needs $(PYTHON) (Python 3.11) on PATH, or run: make PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with its dev tools

migrate: install ## apply the migrations (var/db.sqlite3, or DATABASE_URL)
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

seed: migrate ## load the seed plans and KPI history (idempotent)
	$(BIN)/python manage.py load_seed

demo: seed ## create the demo accounts ministry, busan, daejeon (password printed once)
	$(BIN)/python manage.py create_demo_accounts

# Background jobs (imports, reminders, reports, cache refresh). Needs CELERY_BROKER_URL
# (Redis); without it jobs run inside the web process and no worker is needed.
worker: install ## Celery worker for background jobs (needs CELERY_BROKER_URL)
	$(BIN)/celery -A config worker --loglevel=INFO --concurrency=$${CELERY_CONCURRENCY:-2}

beat: install ## Celery beat, the scheduler of periodic jobs
	$(BIN)/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule

# Load test on PostgreSQL at national scale (needs wrk: apt-get install wrk). Report: var/bench/.
bench: install ## load test on PostgreSQL (needs wrk); report in var/bench/
	@command -v wrk >/dev/null 2>&1 || { echo "Needs wrk: apt-get install wrk"; exit 1; }
	$(BIN)/python scripts/bench.py

# Faults under load, on a private PostgreSQL and Redis it starts and deletes (needs wrk,
# redis-server and the PostgreSQL server binaries). Report: var/chaos/latest.md.
chaos: install ## faults under load on a private PostgreSQL and Redis; var/chaos/latest.md
	@command -v wrk >/dev/null 2>&1 || { echo "Needs wrk: apt-get install wrk"; exit 1; }
	$(BIN)/python scripts/chaos.py

lint: install ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## ruff format and ruff check --fix on the whole tree
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-extract and compile translations (needs GNU gettext: apt install gettext).
messages: install ## re-extract and compile the Korean translations (needs gettext)
	$(BIN)/python manage.py makemessages -l ko --no-obsolete --add-location file -i ".venv/*" -i "var/*"
	$(BIN)/python manage.py compilemessages -l ko -i ".venv" -i "var"

clean: ## delete .venv and var/ (the SQLite database too)
	rm -rf $(VENV) var
