#!/usr/bin/env bash
# Set-up command 1: install what is missing, then start the default topology.
# Arguments go to `vigil up` (e.g. ./run.sh --detach).
set -euo pipefail
cd "$(dirname "$0")"
scripts/ensure-env.sh
exec .venv/bin/vigil up topology.yaml "$@"
