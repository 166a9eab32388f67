#!/usr/bin/env bash
# Make training/.venv with the pinned requirements (idempotent: a second run installs nothing).
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
