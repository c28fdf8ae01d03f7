#!/usr/bin/env bash
# Installs the Debian 12 packages bitswitch needs to build, test and run. The ONE place that lists them.
# Idempotent: checks what is already installed and only calls apt when something is missing.
# Run as root (or with sudo available). `--bench` adds what the benchmarks compare against (PyTorch eager
# for Python, node + npm for the npm tokenizers; the npm packages themselves are installed by bench/).
set -euo pipefail

packages=(
    # toolchain
    build-essential cmake make ninja-build pkg-config
    # libtorch (CPU) and a fast BLAS for it: without OpenBLAS a GEMM runs ~40x slower
    libtorch-dev libopenblas0-pthread
    # libraries used by the code
    libcli11-dev nlohmann-json3-dev libtomlplusplus-dev libfmt-dev libhwy-dev
    # oneDNN: the model's GEMMs (the same library libtorch links; 1.9x OpenBLAS's AVX2 kernels here)
    libdnnl-dev
    # c10d data parallel: gloo headers for libtorch's ProcessGroupGloo
    libgloo-dev
    # analysis: the exact bit-budget search solves its multiple-choice knapsack as an integer program
    libglpk-dev
    # attacks: WordNet 3.0's database files (synonyms for the word-level attack; read by text/wordnet)
    wordnet-base
    # serve: the HTTP server (header-only cpp-httplib)
    libcpp-httplib-dev
    # tests and benchmarks (clang-format: the format check of `make test`)
    libgtest-dev libgmock-dev libbenchmark-dev clang-format
    # the report's browser test: headless Chromium loads the page (no console errors, no requests)
    chromium
    # fuzzing (scripts/fuzz.sh, the Fuzz test): clang with libFuzzer and the sanitizer runtimes
    clang libclang-rt-14-dev
)
if [ "${1:-}" = "--bench" ]; then
    packages+=(python3-torch python3-numpy linux-perf)  # linux-perf: bench/profile_step.sh
    command -v node > /dev/null && command -v npm > /dev/null || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
