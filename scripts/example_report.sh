#!/usr/bin/env bash
# docs/example-report/: an example of `bitswitch report` and a screenshot of each of its sections, on the
# demo's model (make demo) and its generated dev split: a short cyclic run of the demo recipe (8 down to 3
# bits), a sweep of uniform levels, a block sensitivity analysis at 4 and 3 bits and a search over the
# frontier. Screenshots by Debian's headless Chromium. About 4 minutes on 2 cores.
# Usage: scripts/example_report.sh [BITSWITCH]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bin=${1:-build/bitswitch}
need runs/demo/lora/bitswitch.json scripts/example_report.sh
work=runs/example_report
out=docs/example-report
mkdir -p "$work" "$out"
dev=runs/demo/data/dev.json
"$bin" train --config configs/train/lora_tiny.toml --train_file runs/demo/data/train.json --validation_file "$dev" \
    --output_dir "$work/cyclic" --overwrite_output_dir --mode cyclic --w_bits 8 3 --logging_steps 20 > /dev/null
flags=(--model runs/demo/lora --validation_file "$dev")
"$bin" sweep "${flags[@]}" --uniform fp 8 6 5 4 3 --reference fp --output_dir "$work/sweep" > /dev/null
"$bin" sensitivity "${flags[@]}" --base 8 --test 4 3 --granularity block --output_dir "$work/sensitivity" > /dev/null
"$bin" search "${flags[@]}" --sensitivity "$work/sensitivity/sensitivity.jsonl" --frontier 6 \
    --output_dir "$work/search" > /dev/null
inputs=(runs/demo/lora "$work/cyclic" "$work/sweep" "$work/sensitivity" "$work/search")
"$bin" report "${inputs[@]}" --title "bitswitch example report (demo model)" -o "$out/report.html"
for id in training schedule precision sensitivity pareto; do
    "$bin" report "${inputs[@]}" --only "$id" --title "bitswitch example report (demo model)" -o "$work/$id.html"
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$work/profile" \
        --window-size=1100,1300 --screenshot="$out/$id.png" "file://$PWD/$work/$id.html" > /dev/null 2>&1
done
echo "example_report: $out/report.html and $out/*.png"
