# The two everyday commands: `make run` (the whole system with demo data) and `make test`.
.PHONY: run test lint bench

run:
	@scripts/setup
	.venv/bin/chaupal up

test:
	@scripts/setup --test
	.venv/bin/python -m pytest

lint:
	@scripts/setup
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

bench:
	@scripts/setup --test
	.venv/bin/python -m bench
