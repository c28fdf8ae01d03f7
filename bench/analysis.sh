#!/usr/bin/env bash
# The analysis commands' costs against plain evaluations of the same loaded model (bench/bench_analysis.cpp):
# a 100-config sweep vs 100 single evaluations, a one-block-at-a-time sweep with and without the prefix
# sharing, the Fisher proxy vs one forward of its calibration windows. On the demo's model (trained first
# when runs/demo/lora is missing: `make demo`, about 3.5 minutes) and the shipped SQuAD v1.1 dev subset.
# Usage: bench/analysis.sh [BUILD_DIR] [QUESTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
questions=${2:-200}
[ -f runs/demo/lora/bitswitch.json ] || bash scripts/demo.sh "$build/bitswitch"
"$build/bench/bench_analysis" runs/demo/lora assets/data/squad-v1.1-dev-subset.json "$questions" 0
