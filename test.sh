#!/usr/bin/env bash
# Set-up command 2: install what is missing, then run the whole test suite.
# Arguments go to pytest (e.g. ./test.sh tests/unit -x).
set -euo pipefail
cd "$(dirname "$0")"
scripts/ensure-env.sh
exec .venv/bin/python -m pytest "$@"
