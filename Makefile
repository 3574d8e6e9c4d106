# cnnkit: `make demo` runs the whole kit, `make test` runs its tests.
# Both install what they need first: Debian packages with apt-get when run as
# root (otherwise one line says what to install), Python packages into .venv.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEBIAN_PACKAGES := bubblewrap dataset-fashion-mnist chromium chromium-driver postgresql fonts-noto-cjk
DEMO_DIR ?= demo-course

.PHONY: install system-deps demo test test-fast clean

install: system-deps $(STAMP)

system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian packages:$$missing"; \
	  (apt-get install -y -q $$missing || (apt-get update -q && apt-get install -y -q $$missing)) >/dev/null \
	    || { echo "apt-get could not install:$$missing"; exit 1; }; \
	else \
	  echo "Missing Debian packages:$$missing. Install them with: sudo apt-get install$$missing (tests that need them will say so)."; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

demo: install
	$(BIN)/grader demo $(DEMO_DIR)

test: install
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow"

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache
