#!/usr/bin/env bash
# Set everything up (see setup.sh) and run the main job on embedded defaults, on the best backend here.
# Until the node lands this is a real quick benchmark of the kernels against peer libraries.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/autonomys backends
exec .venv/bin/autonomys bench --backend auto --quick "$@"
