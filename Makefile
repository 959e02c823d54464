# Two commands do everything: `make run` and `make test`. See README.md.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format install migrate seed demo messages clean worker beat bench chaos

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Needs $(PYTHON) (Python 3.11) on PATH, or run: make PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py load_seed

demo: seed
	$(BIN)/python manage.py create_demo_accounts

run: demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	mkdir -p var
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest

# Background jobs (imports, reminders, reports, cache refresh). Needs CELERY_BROKER_URL
# (Redis); without it jobs run inside the web process and no worker is needed.
worker: install
	$(BIN)/celery -A config worker --loglevel=INFO --concurrency=$${CELERY_CONCURRENCY:-2}

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule

# Load test on PostgreSQL at national scale (needs wrk: apt-get install wrk). Report: var/bench/.
bench: install
	@command -v wrk >/dev/null 2>&1 || { echo "Needs wrk: apt-get install wrk"; exit 1; }
	$(BIN)/python scripts/bench.py

# Faults under load, on a private PostgreSQL and Redis it starts and deletes (needs wrk,
# redis-server and the PostgreSQL server binaries). Report: var/chaos/latest.md.
chaos: install
	@command -v wrk >/dev/null 2>&1 || { echo "Needs wrk: apt-get install wrk"; exit 1; }
	$(BIN)/python scripts/chaos.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-extract and compile translations (needs GNU gettext: apt install gettext).
messages: install
	$(BIN)/python manage.py makemessages -l ko --no-obsolete --add-location file -i ".venv/*" -i "var/*"
	$(BIN)/python manage.py compilemessages -l ko -i ".venv" -i "var"

clean:
	rm -rf $(VENV) var
