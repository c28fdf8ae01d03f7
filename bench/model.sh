#!/usr/bin/env bash
# GPT-2-124M-shape training step and eval forward: bitswitch vs PyTorch eager (Debian python3-torch),
# same math, same run, all cores. Usage: bench/model.sh [BUILD_DIR] [STEPS]
# Needs `scripts/install-deps.sh --bench` (python3-torch).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
steps=${2:-5}
echo "# bitswitch"
"$build/bench/bench_model" 0 "$steps"
echo "# PyTorch eager peer, OMP_WAIT_POLICY=PASSIVE (its best setting)"
OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/peers/torch_peer.py 0 "$steps"
echo "# PyTorch eager peer, default environment"
/usr/bin/python3 bench/peers/torch_peer.py 0 "$steps"
if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
    # The environment pins OpenBLAS's kernel family (this project's machines: Haswell, i.e. AVX2). bitswitch's
    # GEMMs run on oneDNN, which ignores that: so show the peer with OpenBLAS free to pick its own kernels too.
    echo "# PyTorch eager peer, OMP_WAIT_POLICY=PASSIVE, OPENBLAS_CORETYPE unset (was $OPENBLAS_CORETYPE)"
    env -u OPENBLAS_CORETYPE OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/peers/torch_peer.py 0 "$steps"
fi
