#!/usr/bin/env bash
# The whole test suite, integration tests included (they are marked slow but always run here).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export GX_ANALYTICS_ENABLED=false
# The per-test timeout catches a hang, not slowness: a test's module fixture counts towards it, and a shared
# or slow machine took 900 s for the longest one (tests/integration/test_maintain.py, three runs and a maintain).
# Two workers; --dist loadfile keeps each test file in one worker, so its module fixtures are built once. Much
# of an integration test is waiting on a JVM or a subprocess, so two overlap well even on two cores. Files go to the
# workers in collection order, which tests/conftest.py starts with the slowest files (--no-loadscope-reorder keeps
# xdist from reordering them by their number of tests).
exec .venv/bin/python -m pytest -q -p no:cacheprovider --timeout 1800 --durations=40 -n "${TEST_WORKERS:-2}" \
  --dist loadfile --no-loadscope-reorder "$@"
