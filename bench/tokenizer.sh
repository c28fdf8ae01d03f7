#!/usr/bin/env bash
# Tokenizer throughput: bitswitch vs the npm GPT-2 tokenizers, same texts, same run, one thread each.
# Usage: bench/tokenizer.sh [BUILD_DIR]   (installs the npm peers into bench/peers on first use)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
data=(assets/data/squad-v1.1-dev-subset.json assets/data/squad-v1.1-train-subset.json)
if [ ! -d bench/peers/node_modules ]; then (cd bench/peers && npm ci --silent --no-audit --no-fund); fi
{
    "$build/bench/bench_tokenizer" assets/gpt2-tokenizer "${data[@]}"
    node bench/peers/tokenizer_peer.mjs "${data[@]}"
} | node -e '
const rows = require("fs").readFileSync(0, "utf8").trim().split("\n").map((l) => JSON.parse(l));
console.log(`${rows[0].texts} contexts, ${(rows[0].bytes / 1e6).toFixed(2)} MB`);
console.log("| tokenizer | tokens | cold MB/s | warm MB/s |");
console.log("|---|---|---|---|");
for (const r of rows) console.log(`| ${r.name} | ${r.tokens} | ${r.cold_mb_per_s.toFixed(2)} | ${r.warm_mb_per_s.toFixed(2)} |`);
'
