#!/usr/bin/env bash
# Creates (once) the Python venv the tests use, target/python-venv, and
# installs tests/python/requirements.txt into it (again only when that file
# changes). Idempotent; prints the venv's path on stdout.
#
#   tests/python/venv.sh            # PYTHON=python3.11 to pick the interpreter
#
# Used by tests/python/run.sh (the grpcio client test) and by tests/run,
# which exports TOLLGATE_MOTO_SERVER="$VENV/bin/moto_server" for the Rust
# object-storage tests (crates/server/tests/object_store.rs).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/tests/python"
VENV="$ROOT/target/python-venv"
PYTHON=${PYTHON:-python3}

say() { printf 'venv.sh: %s\n' "$*" >&2; }

if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
STAMP="$VENV/.tollgate-requirements"
if ! cmp -s "$HERE/requirements.txt" "$STAMP"; then
  say "installing tests/python/requirements.txt"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$HERE/requirements.txt" >&2
  cp "$HERE/requirements.txt" "$STAMP"
fi
printf '%s\n' "$VENV"
