#!/usr/bin/env bash
# Does an encoder's pretraining help? SST-2 fine-tuned on its first 2,000 training rows (the low-data regime
# of the GLUE experiments' small tasks) from ENCODER and from random weights of the same shape (the same
# `pretrain` command with --max_steps 0), each as a linear probe (--finetune head) and with full
# fine-tuning, with several seeds; accuracy on the 872 dev rows with 95% bootstrap intervals, and the mean
# difference over seeds with a t interval. Pretraining helps where that interval is above 0.
# Usage: scripts/encoder_pretraining_value.sh [BITSWITCH] [ENCODER] [OUT]   (SEEDS="1 2 3")
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/bitswitch}
encoder=${2:-assets/tiny-roberta}
out=${3:-runs/encoder_value}
read -r -a seeds <<< "${SEEDS:-1 2 3}"
mkdir -p "$out"
# The random control: the encoder's own shape, from its config.json, initialised and saved without training.
shape=$(/usr/bin/python3 -c 'import json, sys; c = json.load(open(sys.argv[1] + "/config.json"))
print(c["num_hidden_layers"], c["hidden_size"], c["num_attention_heads"], c["max_position_embeddings"] - 2,
      c["hidden_dropout_prob"])' "$encoder")
read -r layers width heads positions dropout <<< "$shape"
"$bin" pretrain --model_type roberta --output_dir "$out/random" --corpus assets/data/glue/SST-2/dev.tsv \
    --n_layer "$layers" --n_embd "$width" --n_head "$heads" --n_positions "$positions" --dropout "$dropout" \
    --seq_length 64 --max_steps 0 --seed 1 --save_dtype f32 > /dev/null
recipe=(--task sst2 --train_file assets/data/glue/SST-2/train.tsv --max_train_samples 2000
    --validation_file assets/data/glue/SST-2/dev.tsv --per_device_train_batch_size 32 --max_seq_length 64
    --warmup_ratio 0.06 --logging_steps 100 --overwrite_output_dir)
declare -A finetune=([head]="--finetune head --max_steps 300 --learning_rate 3e-3"
    [full]="--finetune full --max_steps 300 --learning_rate 5e-4")
for f in head full; do
    for e in pretrained random; do
        model=$encoder
        [ "$e" = random ] && model=$out/random
        for s in "${seeds[@]}"; do
            echo "-- $f $e seed $s" >&2
            mkdir -p "$out/$f/$e"
            # shellcheck disable=SC2086
            "$bin" train "${recipe[@]}" --model_name_or_path "$model" ${finetune[$f]} --seed "$s" \
                --output_dir "$out/$f/$e/seed$s" > "$out/$f/$e/seed$s.json"
        done
    done
done
/usr/bin/python3 - "$out" "${seeds[@]}" <<'PY'
import json, math, statistics, sys
out, seeds = sys.argv[1], sys.argv[2:]
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571}
def final(path):  # the run's summary line: its final evaluation
    return json.load(open(path))["eval"]
print("| fine-tuning | seed | pretrained: accuracy [95% CI] | random weights: accuracy [95% CI] | difference |")
print("|---|---:|---:|---:|---:|")
for f in ("head", "full"):
    diffs = []
    for s in seeds:
        p, r = final(f"{out}/{f}/pretrained/seed{s}.json"), final(f"{out}/{f}/random/seed{s}.json")
        diffs.append(p["accuracy"] - r["accuracy"])
        cell = lambda e: f"{e['accuracy']:.2f} [{e['accuracy_low']:.2f}, {e['accuracy_high']:.2f}]"
        print(f"| {f} | {s} | {cell(p)} | {cell(r)} | {diffs[-1]:+.2f} |")
    m = statistics.mean(diffs)
    h = T95.get(len(diffs) - 1, 1.96) * statistics.stdev(diffs) / math.sqrt(len(diffs)) if len(diffs) > 1 else float("nan")
    print(f"| {f} | mean | | | {m:+.2f} [{m - h:+.2f}, {m + h:+.2f}] |")
PY
