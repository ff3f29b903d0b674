#!/usr/bin/env bash
# Installs whatever is missing for Vigil, and nothing that is already there:
# Debian packages (redis-server; prometheus and chromium for the tests; a compiler and Python headers for quickfix),
# then a virtual environment in .venv with Vigil and its dependencies.
# Re-running it costs a second once everything is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

PY=${PYTHON:-python3}
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v prometheus >/dev/null || missing+=(prometheus)  # the tests scrape Vigil with a real one
command -v chromium >/dev/null || missing+=(chromium)  # the drill report test screenshots it in a real browser
command -v "$PY" >/dev/null || missing+=(python3)
command -v g++ >/dev/null || missing+=(g++)
"$PY" -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
[ -n "$("$PY" -c 'import sysconfig; print(sysconfig.get_path("include"))' 2>/dev/null)" ] \
  && [ -f "$("$PY" -c 'import sysconfig; print(sysconfig.get_path("include"))')/Python.h" ] || missing+=(python3-dev)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]} ..."
  sudo_if_needed apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq "${missing[@]}" >/dev/null
fi

"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "Vigil needs Python 3.11 or newer; $PY is $("$PY" --version)" >&2; exit 1; }

[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.vigil-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "installing Python dependencies into .venv (the first time, quickfix compiles from source: about 5 minutes) ..."
  .venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
  echo "$want" > "$stamp"
fi

# The quickfix wheel ships no FIX data dictionaries; they are in its source archive.
spec=.venv/share/quickfix-spec
if [ ! -f "$spec/FIX44.xml" ] || [ ! -f "$spec/FIX42.xml" ]; then
  echo "fetching the FIX 4.2/4.4 data dictionaries from the quickfix source archive ..."
  version=$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("quickfix"))')
  tmp=$(mktemp -d)
  .venv/bin/pip download -q --disable-pip-version-check --no-deps --no-binary :all: "quickfix==$version" -d "$tmp"
  mkdir -p "$spec"
  tar xzf "$tmp"/quickfix-*.tar.gz -C "$spec" --strip-components=2 --wildcards '*/spec/FIX42.xml' '*/spec/FIX44.xml'
  rm -rf "$tmp"
fi
