#!/usr/bin/env bash
# One shot on a CUDA host: builds the addon and whisper.cpp's CLI with CUDA,
# runs the same benchmark, and prints its tables, GPU memory per decoding
# state included. Extra arguments go to the benchmark, for example
#   bash bench/gpu.sh --model /models/ggml-base.en.bin --states 1,2,4
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nvidia-smi >/dev/null; then
  echo "nvidia-smi not found: this script is for a host with an NVIDIA GPU" >&2
  exit 1
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

# The loader prefers a CUDA build over the CPU one, so the benchmark picks
# it up; the CLI joins the same CUDA build tree.
ASR_BACKEND=cuda npm run build:native
ASR_BACKEND=cuda npm run build:reference-cli

# GPU memory is read device-wide: nothing else should be using the GPU.
nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader

npm run bench -- --out bench/results/gpu "$@"
