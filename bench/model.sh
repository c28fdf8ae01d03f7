#!/usr/bin/env bash
# GPT-2-124M-shape training step and eval forward: bitswitch vs PyTorch eager (Debian python3-torch),
# same math, same run, all cores. Usage: bench/model.sh [BUILD_DIR] [STEPS]
# Needs `scripts/install-deps.sh --bench` (python3-torch).
#
# The headline peer gets every setting a competent user would give it: OpenMP workers that sleep
# (OMP_WAIT_POLICY=PASSIVE), OpenBLAS free to pick its widest kernels (OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE unset, in that command only), and the glibc malloc settings bitswitch gives itself
# (core/runtime.cpp: mmap threshold 32 MiB, trim threshold 1 GiB). The peer in the caller's unchanged
# environment is shown as well, never as the headline.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
steps=${2:-5}
echo "# bitswitch"
"$build/bench/bench_model" 0 "$steps"
echo "# PyTorch eager peer, best configuration (headline): PASSIVE, OpenBLAS's own kernel choice, bitswitch's malloc settings"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_WAIT_POLICY=PASSIVE \
    MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 GLIBC_TUNABLES=glibc.malloc.hugetlb=1 \
    /usr/bin/python3 bench/peers/torch_peer.py 0 "$steps"
echo "# PyTorch eager peer, the caller's environment unchanged (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}, OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset})"
/usr/bin/python3 bench/peers/torch_peer.py 0 "$steps"
