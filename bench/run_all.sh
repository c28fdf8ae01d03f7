#!/usr/bin/env bash
# Runs every benchmark; figures go to docs/BENCHMARKS.md by hand, with the machine, command and date.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
echo "## tokenizer"; bench/tokenizer.sh "$build"
echo "## GPT-2-124M shapes: training step and eval forward"; bench/model.sh "$build" 5
echo "## RoBERTa-base shapes: fine-tuning step and eval forward"; bench/encoder.sh "$build" 3
echo "## attention, one layer: training and evaluation"; "$build/bench/bench_attention"
echo "## fake quantization: fused kernel vs libtorch op chain"; "$build/bench/bench_quantizer"
echo "## GELU: SIMD kernels vs libtorch, out of place and in place"; "$build/bench/bench_gelu" --benchmark_min_time=0.5
echo "## switchable step vs static steps (GPT-2-124M shapes)"; "$build/bench/bench_switchable" 0 3
echo "## analysis: sweep, prefix sharing, Fisher proxy (demo model)"; bench/analysis.sh "$build" 200
echo "## real low-bit inference vs llama.cpp (GPT-2-124M shapes)"; bench/lowbit.sh "$build" 10
echo "## packed linear kernels"; "$build/bench/bench_packed_linear"
echo "## serve: throughput under load vs one request at a time"; bench/serve_load.sh "$build" 400
echo "## deployment file: load time and memory (GPT-2-124M shapes)"; bench/deploy_load.sh "$build"
echo "## attacks: PGD step vs training step, questions per second"; bench/attack.sh "$build" 100
