#!/usr/bin/env bash
# Seed 004's two experiments, on the default encoder (or any RoBERTa folder) and the shipped GLUE files:
#
# 1. Post-training quantization: the encoder frozen, the classifier trained alone (--finetune head) at full
#    precision with seed 004's quantizer recording EMA ranges (asymmetric, per-tensor activation ranges,
#    bias and outputs quantized); then the run evaluated at 8 and 4 bits with the recorded ranges, quantizing
#    all encoder linears, the attention group only (query, key, value, attention output) and the feed-forward
#    group only (intermediate, output); the same PTQ also on a fully fine-tuned full-precision run (seed 1),
#    where the features carry the task even when a small encoder's probe does not. Each cell: accuracy with
#    its 95% bootstrap interval over rows; the Δ columns are paired over the same rows (bitswitch sweep
#    --reference), so "FC is the more sensitive group" is a result only where Δ's interval excludes 0.
# 2. Cyclic weight precision: full fine-tuning with activations at 16 bits and weights cyclic 4-8, 4-16,
#    8-16 (CPT's saw-tooth, 64 periods as seed 004's cfg_cpt.json) or fixed at 8 or 16 bits, against full
#    precision, each with several seeds; every run evaluated at its highest trained precision (fp: fp). The
#    table gives the mean accuracy over seeds and the mean paired difference to full precision with a
#    t interval over seeds: "better than full precision" only where that interval is above 0.
#
# MRPC and CoLA ship only their dev files: every fifth row is held out for evaluation, the rest trains
# (runs/glue_experiments/data). SST-2 and RTE use their train and dev files.
# About 31 minutes on 2 cores with the defaults (docs/RESULTS.md has its tables).
# Usage: scripts/glue_experiments.sh [BITSWITCH] [ENCODER] [OUT]   (SEEDS="1 2 3" STEPS1=300 STEPS2=150)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/bitswitch}
encoder=${2:-assets/tiny-roberta}
out=${3:-runs/glue_experiments}
read -r -a seeds <<< "${SEEDS:-1 2 3}"
steps1=${STEPS1:-300}
steps2=${STEPS2:-150}
[ -f "$encoder/config.json" ] || { echo "glue_experiments: no encoder at $encoder (scripts/make_default_encoder.sh makes it)" >&2; exit 2; }
mkdir -p "$out/data/MRPC" "$out/data/CoLA"

# hold_out SRC DIR HEADER_LINES: DIR/train.tsv and DIR/dev.tsv from SRC, every fifth data row to dev.
hold_out() {
    awk -v header="$3" -v train="$2/train.tsv" -v dev="$2/dev.tsv" '
        NR <= header { print > train; print > dev; next }
        (NR - header) % 5 == 0 { print > dev; next }
        { print > train }' "$1"
}
hold_out assets/data/glue/MRPC/dev.tsv "$out/data/MRPC" 1
hold_out assets/data/glue/CoLA/dev.tsv "$out/data/CoLA" 0

tasks=(sst2 mrpc cola rte)
declare -A train_file=([sst2]=assets/data/glue/SST-2/train.tsv [mrpc]=$out/data/MRPC/train.tsv
    [cola]=$out/data/CoLA/train.tsv [rte]=assets/data/glue/RTE/train.jsonl)
declare -A dev_file=([sst2]=assets/data/glue/SST-2/dev.tsv [mrpc]=$out/data/MRPC/dev.tsv
    [cola]=$out/data/CoLA/dev.tsv [rte]=assets/data/glue/RTE/val.jsonl)
common=(--model_name_or_path "$encoder" --max_seq_length 128 --per_device_train_batch_size 32
    --warmup_ratio 0.06 --logging_steps 100 --overwrite_output_dir)
seed004_quantizer=(--quant_scheme asymmetric --act_range ema --ema_momentum 0.9 --act_granularity tensor
    --quantize_bias --quantize_output)

# ptq_experiment DIR TRAIN_FLAGS...: per task, one full-precision run recording EMA ranges with seed 004's
# quantizer, then its PTQ sweeps at 8 and 4 bits (all linears, attention only, FC only) into DIR/TASK/BITS.
ptq_experiment() {
    local dir=$1 t b run
    shift
    for t in "${tasks[@]}"; do
        run=$out/$dir/$t/run
        mkdir -p "$out/$dir/$t"
        "$bin" train --task "$t" "${common[@]}" --train_file "${train_file[$t]}" \
            --validation_file "${dev_file[$t]}" --w_bits 32 "${seed004_quantizer[@]}" "$@" --seed 1 \
            --output_dir "$run" > "$run.json"
        for b in 8 4; do
            "$bin" sweep --model "$run" --validation_file "${dev_file[$t]}" --precision fp \
                --precision "attention=$b,fc=$b" --precision "attention=$b" --precision "fc=$b" \
                --reference "attention=$b,fc=$b" -o jsonl --output_dir "$out/$dir/$t/$b" > /dev/null
        done
    done
}

start=$(date +%s)
echo "== experiment 1: head trained on a frozen encoder, then post-training quantization" >&2
ptq_experiment exp1 --finetune head --max_steps "$steps1" --learning_rate 1e-3
echo "== experiment 1, on a fully fine-tuned run: the same post-training quantization" >&2
# On a small encoder the frozen-encoder probe can end up predicting one class, which no quantization moves;
# a run whose every weight was fine-tuned at full precision (ranges recorded the same way) shows what each
# group's quantization costs when the features carry the task.
ptq_experiment exp1-full --finetune full --max_steps "$steps2" --learning_rate 5e-4

echo "== experiment 2: full fine-tuning, activations at 16 bits, cyclic or fixed weight bits" >&2
declare -A config=(
    [fp]="--mode static --w_bits 32"
    [fixed8]="--mode static --w_bits 8 --a_bits 16 --kv_bits 32"
    [fixed16]="--mode static --w_bits 16 --a_bits 16 --kv_bits 32"
    [cyclic4-8]="--mode cyclic --cyclic_w_bits_schedule 4 8 --cyclic_a_bits_schedule 16 16 --num_cyclic_period 64"
    [cyclic4-16]="--mode cyclic --cyclic_w_bits_schedule 4 16 --cyclic_a_bits_schedule 16 16 --num_cyclic_period 64"
    [cyclic8-16]="--mode cyclic --cyclic_w_bits_schedule 8 16 --cyclic_a_bits_schedule 16 16 --num_cyclic_period 64"
)
declare -A evaluated_at=([fp]=fp [fixed8]=w8a16kv32 [fixed16]=w16a16kv32 [cyclic4-8]=w8a16kv32
    [cyclic4-16]=w16a16kv32 [cyclic8-16]=w16a16kv32)
configs=(fp fixed8 fixed16 cyclic4-8 cyclic4-16 cyclic8-16)
for t in "${tasks[@]}"; do
    for c in "${configs[@]}"; do
        for s in "${seeds[@]}"; do
            run=$out/exp2/$t/$c/seed$s
            mkdir -p "$out/exp2/$t/$c"
            echo "-- $t $c seed $s" >&2
            # shellcheck disable=SC2086
            "$bin" train --task "$t" "${common[@]}" --train_file "${train_file[$t]}" --finetune full \
                ${config[$c]} "${seed004_quantizer[@]}" --max_steps "$steps2" --learning_rate 5e-4 --seed "$s" \
                --output_dir "$run" > "$run.json"
            "$bin" eval --model "$run" --validation_file "${dev_file[$t]}" --precision "${evaluated_at[$c]}" \
                > "$run.eval.json"
        done
    done
done
echo "== done in $(($(date +%s) - start)) s" >&2

/usr/bin/python3 - "$out" "${seeds[@]}" <<'PY'
import json, math, statistics, sys
out, seeds = sys.argv[1], sys.argv[2:]
tasks = ["sst2", "mrpc", "cola", "rte"]
names = {"sst2": "SST-2", "mrpc": "MRPC", "cola": "CoLA", "rte": "RTE"}

def jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]

def cell(i):  # an interval as the result files store it: [estimate, low, high]
    return f"{i[0]:.2f} [{i[1]:.2f}, {i[2]:.2f}]"

def signed(i):
    return f"{i[0]:+.2f} [{i[1]:+.2f}, {i[2]:+.2f}]"

def ptq_tables(folder, title):
    print(title + "\n")
    print("Accuracy (%) with 95% bootstrap intervals over each task's evaluation rows; Δ = this config minus all "
          "linears quantized, paired over the same rows.\n")
    print("| bits | quantized | " + " | ".join(names[t] for t in tasks) + " | average | Δ average |")
    print("|---|---|" + "---:|" * (len(tasks) + 2))
    for b in ("8", "4"):
        rows = {t: {r["config"]: r for r in jsonl(f"{out}/{folder}/{t}/{b}/sweep.jsonl")} for t in tasks}
        labels = [("fp", "none (full precision)"), (f"attention={b},fc={b}", "all"),
                  (f"attention={b}", "attention only"), (f"fc={b}", "FC only")]
        for config, label in labels:
            accs = [rows[t][config]["accuracy"][0] for t in tasks]
            diffs = [rows[t][config]["accuracy_diff"][0] for t in tasks]
            print(f"| {b} | {label} | " + " | ".join(cell(rows[t][config]["accuracy"]) for t in tasks)
                  + f" | {statistics.mean(accs):.2f} | {statistics.mean(diffs):+.2f} |")
    print()
    print("Δ per task (paired 95% intervals) of leaving one group at full precision:\n")
    print("| bits | config | " + " | ".join(names[t] for t in tasks) + " |")
    print("|---|---|" + "---:|" * len(tasks))
    for b in ("8", "4"):
        rows = {t: {r["config"]: r for r in jsonl(f"{out}/{folder}/{t}/{b}/sweep.jsonl")} for t in tasks}
        for config, label in ((f"attention={b}", "FC at fp"), (f"fc={b}", "attention at fp"), ("fp", "both at fp")):
            print(f"| {b} | {label} | " + " | ".join(signed(rows[t][config]["accuracy_diff"]) for t in tasks) + " |")


ptq_tables("exp1", "### Experiment 1: post-training quantization of a frozen encoder with a trained classifier")
ptq_tables("exp1-full", "\n### Experiment 1 on fully fine-tuned runs (full precision, ranges recorded, seed 1)")

# Student's t quantiles for 95% two-sided intervals, by degrees of freedom.
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}
def mean_interval(values):
    m = statistics.mean(values)
    if len(values) < 2:
        return f"{m:+.2f}"
    h = T95.get(len(values) - 1, 1.96) * statistics.stdev(values) / math.sqrt(len(values))
    return f"{m:+.2f} [{m - h:+.2f}, {m + h:+.2f}]"

configs = ["fp", "fixed8", "fixed16", "cyclic4-8", "cyclic4-16", "cyclic8-16"]
acc = {(t, c, s): json.load(open(f"{out}/exp2/{t}/{c}/seed{s}.eval.json"))["accuracy"]
       for t in tasks for c in configs for s in seeds}
print(f"\n### Experiment 2: weight precision during full fine-tuning ({len(seeds)} seeds)\n")
print("Mean accuracy (%) over seeds; below it, the mean difference to full precision with the same seed "
      "and its 95% t interval over seeds.\n")
print("| training | " + " | ".join(names[t] for t in tasks) + " | average |")
print("|---|" + "---:|" * (len(tasks) + 1))
for c in configs:
    means = [statistics.mean(acc[t, c, s] for s in seeds) for t in tasks]
    print(f"| {c} | " + " | ".join(f"{m:.2f}" for m in means) + f" | {statistics.mean(means):.2f} |")
    if c != "fp":
        diffs = {t: [acc[t, c, s] - acc[t, "fp", s] for s in seeds] for t in tasks}
        average = [statistics.mean(acc[t, c, s] - acc[t, "fp", s] for t in tasks) for s in seeds]
        print(f"| Δ vs fp | " + " | ".join(mean_interval(diffs[t]) for t in tasks)
              + f" | {mean_interval(average)} |")
PY
