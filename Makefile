# RepCompanion: `make run` opens the app on a demo territory; `make test` runs linters and every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export QT_QPA_PLATFORM ?= $(if $(DISPLAY)$(WAYLAND_DISPLAY),,offscreen)

.PHONY: run test lint install demo package package-test clean

$(PY):
	@scripts/ensure_venv.sh "$(PYTHON)" "$(VENV)"

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/repcompanion app --demo

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

# Non-UI tests run where PySide6 cannot be imported (proves the core needs no Qt); then the Qt tests.
test: lint
	REPCOMPANION_BLOCK_QT=1 $(PY) -m pytest -p no:pytest-qt -W ignore::pytest.PytestConfigWarning --ignore=tests/ui -q
	@if [ -d tests/ui ]; then QT_QPA_PLATFORM=offscreen $(PY) -m pytest tests/ui -q; fi

# A one-folder desktop app (PyInstaller) in dist/repcompanion; package-test starts it offscreen.
package: install
	$(PY) -m pip install --quiet -e '.[package]'
	scripts/package.sh

package-test: package
	scripts/package_test.sh

demo: install
	$(VENV)/bin/repcompanion demo

clean:
	rm -rf build dist .pytest_cache .ruff_cache
