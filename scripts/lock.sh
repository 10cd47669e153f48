#!/usr/bin/env bash
# Refresh requirements-lock.txt: exact versions of every package the set-up installs, resolved
# today in a clean virtual environment from pyproject.toml's ranges (extras dev, ray and reader).
# torch is pinned apart (torch==2.13.0, the CPU build; see scripts/setup.sh) and left out.
# Run it, run `bash scripts/test.sh`, and commit the lock with what changed in its message.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PY" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q --upgrade pip
"$tmp/venv/bin/python" -m pip install -q "torch==2.13.0"
"$tmp/venv/bin/python" -m pip install -q ".[dev,ray,reader]"
{
  echo "# Exact versions for scripts/setup.sh, made by scripts/lock.sh on $(date -u +%Y-%m-%d)"
  echo "# with $("$tmp/venv/bin/python" --version) on $(uname -sm). torch is pinned in setup.sh."
  "$tmp/venv/bin/python" -m pip freeze --all --exclude-editable \
    | grep -v -E '^(torch|warmgate|pip)(==| @)' | LC_ALL=C sort -f
} > requirements-lock.txt.tmp
mv requirements-lock.txt.tmp requirements-lock.txt
echo "wrote requirements-lock.txt ($(grep -vc '^#' requirements-lock.txt) packages)"
