#!/usr/bin/env bash
# Set up .venv with the project and the extras that fit this machine:
#   - an OpenCL driver: the system's ICD if any, else Debian's pocl-opencl-icd (when apt-get can run),
#     else the pip package pocl-binary-distribution (a CPU OpenCL driver inside the venv);
#   - the CUDA extra when an NVIDIA driver is present (nvidia-smi answers).
# Extra pip extras can be given in AUTONOMYS_EXTRAS (comma-separated, e.g. "test,bench").
# Then the CPU kernels are compiled once (`autonomys warmup`; AUTONOMYS_NO_WARMUP=1 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PY="$candidate"; break; fi
  done
fi
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'

have_icd() { ls /etc/OpenCL/vendors/*.icd >/dev/null 2>&1; }
if ! have_icd && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "setup: installing the CPU OpenCL driver (pocl-opencl-icd)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq pocl-opencl-icd ocl-icd-libopencl1 >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq pocl-opencl-icd ocl-icd-libopencl1 >/dev/null 2>&1; } \
    || echo "setup: apt-get could not install pocl; falling back to pip's pocl-binary-distribution"
fi

extras="opencl"
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then extras="$extras,cuda"; fi
if [ -n "${AUTONOMYS_EXTRAS:-}" ]; then extras="$extras,$AUTONOMYS_EXTRAS"; fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[$extras]"
if ! have_icd; then .venv/bin/python -m pip install -q pocl-binary-distribution; fi
# Compile the CPU backend's numba kernels into their disk cache now (3-5 CPU minutes on a small machine),
# so the first node start, plot or bench does not pay for it. AUTONOMYS_NO_WARMUP=1 skips it.
if [ -z "${AUTONOMYS_NO_WARMUP:-}" ]; then
  .venv/bin/autonomys warmup --backend cpu || echo "setup: warmup reported a failure (see above); kernels compile on first use"
fi
echo "setup: .venv ready (extras: $extras)"
