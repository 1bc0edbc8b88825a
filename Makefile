# IKD: the two commands of the README, and the pieces they are made of.
#   make demo   the whole product with demo data on http://localhost:8000/ (Ctrl-C stops it)
#   make test   every check CI runs: lint, format, types and the full test suite

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install lint typecheck pytest browser-deps constraints messages clean-data rehearse

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python manage.py demo

# Debian's Chromium for the browser tests (CI runs as root; elsewhere sudo is tried).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy imports the settings, which would start the embedded servers: point it at dummy URLs instead.
typecheck: $(STAMP)
	DATABASE_URL=postgresql://mypy@127.0.0.1:1/mypy REDIS_URL=redis://127.0.0.1:1/0 $(BIN)/mypy .

# The suite runs on two workers, a test file each at a time (tests/xdist_workers.py gives each its own
# database, cache and queue): about 11 minutes instead of about 25 on two cores. A test that commits
# removes what it committed, or the next file on its worker sees it. PYTEST_WORKERS=0: one process.
PYTEST_WORKERS ?= 2
# Schemathesis' cases share one test id each, which xdist cannot tell apart: that file runs on its own.
pytest: $(STAMP) browser-deps
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile --ignore=tests/api/test_schemathesis.py
	$(BIN)/python -m pytest -q tests/api/test_schemathesis.py

test: lint typecheck pytest

# The production rehearsal (deploy/rehearse): nginx, PgBouncer (session mode), Redis with Sentinel, gunicorn
# and Celery from Debian's packages on this machine, a short test day through nginx with a worker restart and
# a Redis failover; prints the figures and fails on any lost answer. Needs root (apt) and PostgreSQL on 5432.
rehearse: $(STAMP)
	deploy/rehearse

constraints:
	$(BIN)/python -m pip freeze --exclude-editable | { echo "# Pinned versions: pip install -c requirements/constraints.txt -e '.[dev]'"; echo "# Regenerate with: make constraints"; cat; } > requirements/constraints.txt

messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l id --ignore ".venv/*" --ignore ".ikd/*" --ignore "tests/*" --ignore "deploy/*"
	cd frontend && ../$(BIN)/python ../manage.py compilemessages -l id

clean-data:
	rm -rf .ikd
