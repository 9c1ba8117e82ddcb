# tests/integration/: tests against the harness PostgreSQL (see tests/harness).
