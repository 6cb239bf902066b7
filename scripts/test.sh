#!/usr/bin/env bash
# Set everything up (see setup.sh) and run the test suite. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
AUTONOMYS_EXTRAS="test${AUTONOMYS_EXTRAS:+,$AUTONOMYS_EXTRAS}" bash scripts/setup.sh
.venv/bin/autonomys backends
exec .venv/bin/python -m pytest -q "$@"
