#!/usr/bin/env bash
# Set everything up (see setup.sh) and run the main job on embedded defaults, on the best backend here.
# The main job: a dev node (timekeeper, farmer, block production, RPC on 127.0.0.1:9944) farming a
# small plot made on start; extra arguments go to `autonomys node` (e.g. --max-blocks 3, --backend cpu).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/autonomys backends
exec .venv/bin/autonomys node --dev --backend auto "$@"
