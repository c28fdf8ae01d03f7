#!/usr/bin/env bash
# Builds the llama.cpp peer (commit c392e50, MIT) into BUILD_DIR/peers for the low-bit benchmarks and the
# GGUF round-trip test. It is a peer to measure against, never part of bitswitch.
# Usage: bench/peers/build_llama_cpp.sh [BUILD_DIR]
# Source: ../shared/peers/llama.cpp-c392e50.tar.xz (the project's machines), or LLAMA_CPP_DIR pointing to a
# llama.cpp source tree of your own. Prints the bin/ folder on success; exits 2 (skip) when neither exists.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=$(realpath -m "${1:-build}")
archive=../shared/peers/llama.cpp-c392e50.tar.xz
peers="$build/peers"
bin="$peers/llama.cpp-build/bin"
if [[ -x "$bin/llama-bench" && -x "$bin/llama-perplexity" ]]; then
    echo "$bin"
    exit 0
fi
if [[ -n "${LLAMA_CPP_DIR:-}" ]]; then
    src=$LLAMA_CPP_DIR
elif [[ -f "$archive" ]]; then
    mkdir -p "$peers"
    tar xJf "$archive" -C "$peers"
    src="$peers/llama.cpp-c392e50"
else
    echo "llama.cpp peer skipped: $archive not found and LLAMA_CPP_DIR not set" >&2
    exit 2
fi
cmake -S "$src" -B "$peers/llama.cpp-build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF -DGGML_NATIVE=ON >&2
cmake --build "$peers/llama.cpp-build" -j "$(nproc)" --target llama-bench llama-perplexity >&2
echo "$bin"
