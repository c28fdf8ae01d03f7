#!/usr/bin/env bash
# The server's page in a real browser: `bitswitch serve` on a LoRA run of the shipped tiny GPT-2 (packed
# engine); Debian's headless Chromium opens /?question=...&context=...&precision=w8a8, which fills the form and asks. Fails on
# a console message, on a request to anywhere but the server, or when the answer the page shows (and marks
# in the paragraph) differs from `bitswitch predict` on the same inputs. Writes a screenshot to SHOT
# (default build/serve_page.png): look at it.
# Usage: page_in_chromium.sh BITSWITCH [SHOT]
set -euo pipefail
bin=$(realpath "$1")
cd "$(dirname "$0")/../.."
shot=$(realpath -m "${2:-build/serve_page.png}")
work=$(mktemp -d)
server=0
cleanup() {
    [ "$server" = 0 ] || kill "$server" 2> /dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "page_in_chromium: $*" >&2; exit 1; }
command -v chromium > /dev/null || fail "chromium is missing: run scripts/install-deps.sh"

# The shipped tiny GPT-2 has no QA head (each load would draw another): a two-step LoRA run saves one.
"$bin" data synth --output_dir "$work/data" --train_paragraphs 20 --dev_paragraphs 2 --seed 5 > /dev/null
"$bin" train --config configs/train/lora_tiny.toml --train_file "$work/data/train.json" --output_dir "$work/run" \
    --max_steps 2 --warmup_steps 0 > /dev/null 2>&1 || fail "the training run failed"
model="$work/run"
question="Who designed the tower?"
context="The tower was designed by Gustave Eiffel and completed in 1889 for the World's Fair."
"$bin" serve --model "$model" --port 0 2> "$work/serve.err" &
server=$!
for _ in $(seq 1 300); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/serve.err" | grep -o '[0-9]*$' || true)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "${port:-}" ] || fail "the server did not start: $(cat "$work/serve.err")"
want=$("$bin" predict --model "$model" --engine packed --precision w8a8 --question "$question" \
    --context "$context" 2> /dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["answer"])')

url=$(python3 -c 'import sys, urllib.parse as u; print(sys.argv[1] + "/?" + u.urlencode({"question": sys.argv[2], "context": sys.argv[3], "precision": "w8a8"}))' \
    "http://127.0.0.1:$port" "$question" "$context")
browser=(chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
    --disable-background-networking --disable-component-update --disable-sync --disable-default-apps
    --user-data-dir="$work/profile" --virtual-time-budget=10000)
"${browser[@]}" --enable-logging=stderr --v=0 --log-net-log="$work/netlog.json" --dump-dom "$url" \
    > "$work/dom.html" 2> "$work/console.log" || fail "chromium failed: $(tail -3 "$work/console.log")"
if grep -E "CONSOLE|Uncaught" "$work/console.log"; then fail "console messages (above)"; fi
python3 - "$work/dom.html" "$want" "$work/netlog.json" "$port" << 'PY' || fail "see above"
import html, json, re, sys
dom, want, netlog, port = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3], sys.argv[4]
answer = re.search(r'<div id="answer">(.*?)</div>', dom, re.S)
mark = re.search(r"<mark>(.*?)</mark>", dom, re.S)
shown = html.unescape(answer.group(1)) if answer else None
if shown != (want or "(no answer)"):
    sys.exit(f"the page shows {shown!r}, predict says {want!r}")
if want and (not mark or html.unescape(mark.group(1)) != want):
    sys.exit(f"the paragraph marks {mark.group(1) if mark else None!r}, not {want!r}")
if 'precision w8a8' not in dom:
    sys.exit("the page does not say which precision answered")
text = open(netlog).read().rstrip()
try:
    log = json.loads(text)
except ValueError:
    log = json.loads(text.rstrip(",") + "]}")
# Requests the page started carry its origin as initiator; the browser's own background requests (time,
# component updates) carry "not an origin".
asked = False
for e in log.get("events", []):
    params = e.get("params") or {}
    url, initiator = params.get("url", ""), params.get("initiator")
    if not url or initiator is None or initiator == "not an origin":
        continue
    if not url.startswith(f"http://127.0.0.1:{port}/"):
        sys.exit(f"the page requested {url}")
    asked |= url.endswith("/v1/qa")
if not asked:
    sys.exit("the page never posted to /v1/qa")
print(f"page_in_chromium: the page answered {shown!r} at w8a8, as predict does")
PY
"${browser[@]}" --window-size=1000,900 --screenshot="$shot" "$url" > /dev/null 2>&1 || fail "no screenshot"
kill -TERM "$server"
wait "$server" || fail "the server exited $? on SIGTERM"
server=0
