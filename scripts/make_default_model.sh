#!/usr/bin/env bash
# The fixed recipe of the default base model shipped in assets/tiny-gpt2 (no pretrained GPT-2 can be
# downloaded here): a 6-layer, 128-wide GPT-2 with the real GPT-2 vocabulary, trained as a causal language
# model on the synthetic QA paragraphs (train split only) and the shipped SQuAD v1.1 train subset.
# Takes ~15 minutes on 2 cores. Usage: scripts/make_default_model.sh [BITSWITCH] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/bitswitch}
out=${2:-assets/tiny-gpt2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" data synth --output_dir "$work/synth" --train_paragraphs 3000 --dev_paragraphs 300 --seed 1 > /dev/null
"$bin" pretrain --corpus "$work/synth/corpus.txt" assets/data/squad-v1.1-train-subset.json --output_dir "$out" \
    --n_layer 6 --n_embd 128 --n_head 4 --n_positions 512 --dropout 0.0 --seq_length 128 \
    --per_device_train_batch_size 8 --max_steps 2500 --learning_rate 1e-3 --warmup_steps 100 --logging_steps 100 \
    --seed 1 --save_dtype f16
