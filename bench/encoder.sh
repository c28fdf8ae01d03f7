#!/usr/bin/env bash
# RoBERTa-base-shape fine-tuning step and eval forward: bitswitch vs PyTorch eager (Debian python3-torch),
# same math, all cores, in ROUNDS rounds that alternate bitswitch and its peers (a shared machine's speed
# drifts by 10-20% over minutes: each round's ratio compares neighbours in time), then a table of the
# per-round ratios with their median (bench/round_ratios.py). About 4-5 minutes a round on 2 cores.
# Usage: bench/encoder.sh [BUILD_DIR] [STEPS] [ROUNDS]
# Needs `scripts/install-deps.sh --bench` (python3-torch). The peer settings are bench/model.sh's: the
# headline peer has sleeping OpenMP workers, OpenBLAS's own kernel choice and bitswitch's malloc settings.
# The peer in the caller's unchanged environment runs too: for each figure the faster of the two counts
# (under autocast OpenBLAS is not used, and spinning OpenMP workers can win).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
steps=${2:-3}
rounds=${3:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for round in $(seq 1 "$rounds"); do
    mkdir -p "$out/$round"
    echo "# round $round: bitswitch"
    "$build/bench/bench_encoder" 0 "$steps" | tee "$out/$round/bitswitch.json"
    echo "# round $round: PyTorch eager peer, best configuration: PASSIVE, OpenBLAS's own kernel choice, bitswitch's malloc settings"
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_WAIT_POLICY=PASSIVE \
        MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 GLIBC_TUNABLES=glibc.malloc.hugetlb=1 \
        /usr/bin/python3 bench/peers/torch_encoder_peer.py 0 "$steps" | tee "$out/$round/peer-best.json"
    echo "# round $round: PyTorch eager peer, the caller's environment unchanged (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}, OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset})"
    /usr/bin/python3 bench/peers/torch_encoder_peer.py 0 "$steps" | tee "$out/$round/peer-env.json"
done
echo "# bitswitch / the faster peer configuration, per round"
# The last row: the forward at the cores' multiply-add peak over the peer's, the most any float32
# implementation of this arithmetic could reach against it.
/usr/bin/python3 bench/round_ratios.py $(seq -f "$out/%g" 1 "$rounds") -- \
    train_step_tokens_per_s=train_step_tokens_per_s eval_forward_tokens_per_s=eval_forward_tokens_per_s \
    train_step_bf16_tokens_per_s=train_step_autocast_bf16_tokens_per_s \
    eval_forward_bf16_tokens_per_s=eval_forward_autocast_bf16_tokens_per_s \
    eval_forward_fma_peak_tokens_per_s=eval_forward_tokens_per_s
