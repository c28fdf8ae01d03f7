#!/usr/bin/env bash
# --bf16 against float32 on the demo, with intervals (docs/RESULTS.md, "bf16 compute"):
#   1. the demo's full-precision LoRA run evaluated at fp, 8 and 4 bits, once in float32 and once with
#      --bf16: EM/F1 of each and the paired difference over the same questions (squad-eval --compare);
#      as a control, float32 on libtorch's BLAS against float32 on oneDNN (only the summation order differs);
#   2. the demo's recipe trained with and without --bf16 for training seeds 1-3, each evaluated at fp in
#      float32 (so only the training differs): F1 per run with its interval, and per seed the paired
#      difference bf16 minus float32.
# Needs runs/demo (make demo) and a CPU with AVX512_BF16. Usage: scripts/bf16_parity.sh [BITSWITCH]. About
# 25 minutes on 2 cores (six trainings of the demo recipe).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bin=${1:-build/bitswitch}
demo=runs/demo
out=runs/bf16_parity
need "$demo/lora/bitswitch.json" bf16_parity
mkdir -p "$out"
dev="$demo/data/dev.json"

# diff_row CELLS DIR_A DIR_B: a table row: CELLS, DIR_A's EM and F1, A minus B paired per question (EM, F1),
# and how many answers differ.
diff_row() {
    "$bin" squad-eval "$dev" "$2/predictions.json" --compare "$3/predictions.json" > "$out/cmp.json"
    /usr/bin/python3 - "$1" "$out/cmp.json" <<'PY'
import json, sys
label, c = sys.argv[1], json.load(open(sys.argv[2]))
d = lambda k: f"{c[k]['estimate']:+.2f} [{c[k]['low']:+.2f}, {c[k]['high']:+.2f}]"
print(f"| {label} | {c['exact_match']:.2f} | {c['f1']:.2f} | {d('exact_match_diff')} | {d('f1_diff')} | {c['answers_differ']} |")
PY
}

echo "**Evaluation of the demo's LoRA run in bf16 against float32** (paired over the $(grep -o '"id"' "$dev" | wc -l) dev questions)"
echo
echo "| precision | EM (bf16) | F1 (bf16) | ΔEM bf16 − fp32 [95% CI] | ΔF1 bf16 − fp32 [95% CI] | answers that differ |"
echo "|---|---:|---:|---|---|---:|"
for precision in fp 8 4; do
    for compute in fp32 bf16 blas; do
        flag=(); [[ $compute == bf16 ]] && flag=(--bf16)
        gemm=(); [[ $compute == blas ]] && gemm=(BITSWITCH_GEMM=torch)
        env "${gemm[@]}" "$bin" eval --model "$demo/lora" --validation_file "$dev" --precision "$precision" \
            "${flag[@]}" --output_dir "$out/eval_${precision}_$compute" > /dev/null
    done
    diff_row "$precision" "$out/eval_${precision}_bf16" "$out/eval_${precision}_fp32"
done

# The control: float32 on libtorch's BLAS against float32 on oneDNN, the same products summed in another
# order, i.e. how many answers any numerical change of this size or smaller moves.
echo
echo "**Control: float32 on libtorch's BLAS against float32 on oneDNN** (summation order only)"
echo
echo "| precision | EM (BLAS) | F1 (BLAS) | ΔEM BLAS − oneDNN [95% CI] | ΔF1 BLAS − oneDNN [95% CI] | answers that differ |"
echo "|---|---:|---:|---|---|---:|"
for precision in fp 8 4; do
    diff_row "$precision" "$out/eval_${precision}_blas" "$out/eval_${precision}_fp32"
done

echo
echo "**Training with --bf16 against float32** (the demo recipe, evaluated at fp in float32)"
echo
echo "| training seed | F1 fp32-trained | EM bf16-trained | F1 bf16-trained | ΔEM bf16 − fp32 [95% CI] | ΔF1 bf16 − fp32 [95% CI] | answers that differ |"
echo "|---|---:|---:|---:|---|---|---:|"
for seed in 1 2 3; do
    for compute in fp32 bf16; do
        run="$out/train_${compute}_s$seed"
        flag=(); [[ $compute == bf16 ]] && flag=(--bf16)
        if [[ ! -f "$run/bitswitch.json" ]]; then
            "$bin" train --config configs/train/lora_tiny.toml --train_file "$demo/data/train.json" \
                --overwrite_output_dir --logging_steps 100 --seed "$seed" "${flag[@]}" --output_dir "$run" \
                > "$run.train.json"
        fi
        "$bin" eval --model "$run" --validation_file "$dev" --output_dir "$run/eval" > "$run.eval.json"
    done
    f1_fp32=$(printf %.2f "$(field "$out/train_fp32_s$seed.eval.json" f1)")
    diff_row "$seed | $f1_fp32" "$out/train_bf16_s$seed/eval" "$out/train_fp32_s$seed/eval"
done
