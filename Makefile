# The two everyday commands: `make run` (the whole system with demo data) and `make test`.
.PHONY: run test check lint types lock bench

# Python keeps its compiled modules (in __pycache__, ignored by git) even where the environment
# says not to: without them every test process and every worker it starts compiles the whole app
# and every test module again (half of a test process's start-up).
export PYTHONDONTWRITEBYTECODE :=

run:
	@scripts/setup
	.venv/bin/chaupal up

# Every test, on as many processes as the machine has cores (a file's tests stay in one process).
test:
	@scripts/setup --test
	.venv/bin/python -m pytest -n auto --dist loadfile

# The quick loop while developing: lint, types, and the tests not marked slow or browser, on two cores.
check: lint types
	.venv/bin/python -m pytest -q -m "not slow and not browser" -n auto --dist loadfile

lint:
	@scripts/setup
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

types:
	@scripts/setup
	.venv/bin/python scripts/typecheck

# Re-pin every package into requirements.lock after changing pyproject.toml (add --upgrade for upgrades).
lock:
	@scripts/setup
	scripts/lock

bench:
	@scripts/setup --test
	.venv/bin/python -m bench
