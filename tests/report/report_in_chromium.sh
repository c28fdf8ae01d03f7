#!/usr/bin/env bash
# The report in a real browser: a short cyclic LoRA run of the shipped tiny GPT-2, a sweep, a block
# sensitivity analysis and a search on generated questions, then `bitswitch report` over all of them,
# loaded by Debian's headless Chromium. Fails on a console message, on any network request (Chromium's own
# network log), on a missing section or chart, or on a result file of another kind being accepted. Writes a
# screenshot of each section (a page with that section alone) to SHOT_DIR (default build/report_screenshots): look at them.
# Usage: report_in_chromium.sh BITSWITCH [SHOT_DIR]
set -euo pipefail
bin=$(realpath "$1")
cd "$(dirname "$0")/../.."
shots=$(realpath -m "${2:-build/report_screenshots}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "report_in_chromium: $*" >&2; exit 1; }
command -v chromium > /dev/null || fail "chromium is missing: run scripts/install-deps.sh"

"$bin" data synth --output_dir "$work/data" --train_paragraphs 60 --dev_paragraphs 10 --seed 3 > /dev/null
"$bin" train --config configs/train/lora_tiny.toml --train_file "$work/data/train.json" \
    --validation_file "$work/data/dev.json" --output_dir "$work/run" --mode cyclic --w_bits 8 4 \
    --max_steps 40 --warmup_steps 4 --logging_steps 4 --max_eval_samples 20 > /dev/null 2>&1
eval_flags=(--model "$work/run" --validation_file "$work/data/dev.json" --max_eval_samples 20)
"$bin" sweep "${eval_flags[@]}" --uniform fp 8 4 --reference fp --output_dir "$work/sweep" > /dev/null 2>&1
"$bin" sensitivity "${eval_flags[@]}" --base 8 --test 4 --granularity block --calibration_samples 16 \
    --output_dir "$work/sens" > /dev/null 2>&1
"$bin" search "${eval_flags[@]}" --sensitivity "$work/sens/sensitivity.jsonl" --frontier 3 \
    --output_dir "$work/search" > /dev/null 2>&1

# A result of another kind is refused with exit 2, and nothing is written.
echo '{"step": 1}' > "$work/other.jsonl"
set +e
"$bin" report "$work/other.jsonl" -o "$work/bad.html" 2> "$work/bad.err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "a foreign result file gave exit $rc, not 2"
grep -q "other.jsonl is not a sweep, sensitivity, search or attack result" "$work/bad.err" || fail "$(cat "$work/bad.err")"
[ ! -e "$work/bad.html" ] || fail "a refused report left a file"

"$bin" report "$work/run" "$work/sweep" "$work/sens/sensitivity.jsonl" "$work/search" -o "$work/report.html" \
    --title "bitswitch report (test)" 2> /dev/null
page="file://$work/report.html"
browser=(chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
    --disable-background-networking --disable-component-update --disable-sync --disable-default-apps
    --user-data-dir="$work/profile")

# Console messages (logged at level 0 with --enable-logging) and every request the page makes (net log).
"${browser[@]}" --enable-logging=stderr --v=0 --log-net-log="$work/netlog.json" --dump-dom "$page" \
    > "$work/dom.html" 2> "$work/console.log" || fail "chromium failed: $(tail -3 "$work/console.log")"
if grep -E "CONSOLE|Uncaught" "$work/console.log"; then fail "console messages (above)"; fi
python3 - "$work/netlog.json" << 'PY' || fail "the page made network requests (above)"
import json, sys
text = open(sys.argv[1]).read().rstrip()
try:
    log = json.loads(text)
except ValueError:  # Chromium may stop before closing the events list
    log = json.loads(text.rstrip(",") + "]}")
# Requests the page started carry its origin as initiator ("null" for a file:// page); the browser's own
# background requests (component updates, time, accounts) carry "not an origin".
urls = set()
for e in log.get("events", []):
    params = e.get("params") or {}
    url, initiator = params.get("url", ""), params.get("initiator")
    if url and initiator is not None and initiator != "not an origin" and not url.startswith(("data:", "file:")):
        urls.add(url)
for u in sorted(urls):
    print("request:", u)
sys.exit(1 if urls else 0)
PY
for id in inputs training schedule precision sensitivity pareto robustness; do
    grep -q "<section id=\"$id\">" "$work/dom.html" || fail "section $id missing from the rendered page"
done
charts=$(grep -c "<svg" "$work/dom.html" || true)
[ "$charts" -ge 6 ] || fail "only $charts charts rendered (training loss, learning rate, per-level losses, schedule, precision, heatmap, pareto expected)"
grep -q "fill=\"url(#heat0)\"" "$work/dom.html" || fail "the heatmap's legend is missing"

# One page per section (report --only, the same rendering) so that each screenshot shows its section whole.
mkdir -p "$shots"
for id in inputs training schedule precision sensitivity pareto robustness; do
    "$bin" report "$work/run" "$work/sweep" "$work/sens/sensitivity.jsonl" "$work/search" --only "$id" \
        -o "$work/$id.html" 2> /dev/null
    "${browser[@]}" --window-size=1100,1400 --screenshot="$shots/$id.png" "file://$work/$id.html" > /dev/null 2>&1 \
        || fail "screenshot of $id failed"
    [ -s "$shots/$id.png" ] || fail "empty screenshot of $id"
done
cp "$work/report.html" "$shots/report.html"
echo "report_in_chromium: no console messages, no network requests, 7 sections, $charts charts; screenshots in $shots"
