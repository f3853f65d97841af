#!/usr/bin/env bash
# The whole test suite, integration tests included (they are marked slow but always run here).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export GX_ANALYTICS_ENABLED=false
exec .venv/bin/python -m pytest -q -p no:cacheprovider --timeout 900 --durations=15 "$@"
