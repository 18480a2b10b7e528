# Two commands do all set-up on a fresh machine:
#   make run    start the app on the bundled data (http://127.0.0.1:8501)
#   make test   install everything the tests need (incl. Debian Chromium when root) and run
#               ruff and pytest (unit, AppTest and browser tests)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# quieter pip; a fresh machine reaches PyPI
PIPFLAGS ?= --disable-pip-version-check -q

.PHONY: run test data bench lint chromium nginx serve-cluster install install-dev clean \
	screenshots axe test-cluster

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install $(PIPFLAGS) -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install $(PIPFLAGS) -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# serve.py = `streamlit run app.py`, with the data caches warmed while the server starts
run: install
	$(PY) serve.py --server.address 127.0.0.1 --server.port 8501 \
		--server.headless true --browser.gatherUsageStats false

# Debian's Chromium for the browser tests (never `playwright install`).
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		echo "Installing Debian chromium for the browser tests..."; \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium) \
			>/tmp/apt-chromium.log 2>&1 || (tail -20 /tmp/apt-chromium.log; exit 1); \
	else echo "Chromium not found and not root: browser tests will be skipped (CI=true fails)."; fi

# Debian's nginx for `make serve-cluster` and the cluster test (tests/test_cluster.py).
nginx:
	@if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		echo "Installing Debian nginx for the cluster test..."; \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx) \
			>/tmp/apt-nginx.log 2>&1 || (tail -20 /tmp/apt-nginx.log; exit 1); \
	else echo "nginx not found and not root: the cluster test will be skipped (CI=true fails)."; fi

# Two app processes behind nginx with sticky sessions on http://127.0.0.1:8700 (deploy/)
serve-cluster: install nginx
	$(PY) deploy/cluster.py --port 8700 --apps 2 --app-port 8701

lint: install-dev
	$(VENV)/bin/ruff check .

# axe-core 4 for the accessibility checks of the browser tests (npm registry, pinned in
# package-lock.json; node_modules/ is not committed). Debian: apt-get install npm.
node_modules/axe-core/axe.min.js: package.json package-lock.json
	@command -v npm >/dev/null || { \
		if [ "$$(id -u)" = "0" ]; then (apt-get update -q && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q npm) >/tmp/apt-npm.log 2>&1 || (tail -20 /tmp/apt-npm.log; exit 1); \
		else echo "npm not found: the accessibility checks will fail (apt-get install npm)"; exit 1; fi; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

axe: node_modules/axe-core/axe.min.js

test: install-dev chromium nginx axe
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

# A PNG of every page in every state at 1400x1000, 1920x1080 and 390x844 (screenshots/,
# not committed), with the layout findings printed next to each file.
screenshots: install-dev chromium
	$(PY) -m tests.e2e.screenshots --out screenshots

# the nginx cluster tests on their own (they also run, first, in `make test`)
test-cluster: install-dev chromium nginx axe
	CI=true $(PY) -m pytest -q tests/test_cluster.py

data: install-dev
	$(PY) -m loaders.build

bench: install-dev chromium nginx
	$(PY) bench/bench_app.py
	$(PY) bench/bench_map.py
	$(PY) bench/bench_room.py --client ws
	$(PY) bench/bench_room.py --client ws --cluster 2
	$(PY) bench/bench_room.py

clean:
	rm -rf static .pytest_cache .ruff_cache
