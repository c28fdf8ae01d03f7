#!/usr/bin/env bash
# RoBERTa-base-shape fine-tuning step and eval forward: bitswitch vs PyTorch eager (Debian python3-torch),
# same math, same run, all cores. Usage: bench/encoder.sh [BUILD_DIR] [STEPS]
# Needs `scripts/install-deps.sh --bench` (python3-torch). The peer settings are bench/model.sh's: the
# headline peer has sleeping OpenMP workers, OpenBLAS's own kernel choice and bitswitch's malloc settings;
# the peer in the caller's unchanged environment is shown as well, never as the headline.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
steps=${2:-3}
echo "# bitswitch"
"$build/bench/bench_encoder" 0 "$steps"
echo "# PyTorch eager peer, best configuration (headline): PASSIVE, OpenBLAS's own kernel choice, bitswitch's malloc settings"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_WAIT_POLICY=PASSIVE \
    MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 GLIBC_TUNABLES=glibc.malloc.hugetlb=1 \
    /usr/bin/python3 bench/peers/torch_encoder_peer.py 0 "$steps"
echo "# PyTorch eager peer, the caller's environment unchanged (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}, OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset})"
/usr/bin/python3 bench/peers/torch_encoder_peer.py 0 "$steps"
