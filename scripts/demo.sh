#!/usr/bin/env bash
# make demo: what bitswitch does today, on the shipped files. Grows with the project: the model and
# training issues replace the last step with a real fine-tuning run.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/bitswitch}
step() { printf '\n== %s\n' "$*"; }

step "GPT-2 tokenizer: ids and character offsets"
"$bin" tokenize --text "Which NFL team represented the AFC at Super Bowl 50?"

step "SQuAD files: load and validate"
for f in assets/data/squad-v1.1-dev-subset.json assets/data/squad-v1.1-train-subset.json assets/data/squad-v2.0-dev-subset.json; do
    "$bin" data check "$f"
done

step "Model inputs: question+context windows (max_seq_length 384, doc_stride 128)"
"$bin" data features assets/data/squad-v1.1-dev-subset.json

step "Official SQuAD metrics on a sample predictions file (test fixture, not a model's output)"
"$bin" squad-eval assets/data/squad-v1.1-dev-subset.json tests/fixtures/metric_predictions_v1.json 2>/dev/null
