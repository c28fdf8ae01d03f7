// Benchmark harness only: encode throughput of the npm GPT-2 tokenizers on the same texts as
// bench/bench_tokenizer.cpp (distinct SQuAD contexts), single thread. Prints one JSON line per tokenizer.
// Usage: node bench/peers/tokenizer_peer.mjs SQUAD.json [SQUAD.json ...]
import { createRequire } from "module";
import { readFileSync } from "fs";
const require = createRequire(import.meta.url);

const texts = [];
const seen = new Set();
let bytes = 0;
for (const file of process.argv.slice(2)) {
    for (const article of JSON.parse(readFileSync(file, "utf8")).data) {
        for (const p of article.paragraphs) {
            if (seen.has(p.context)) continue;
            seen.add(p.context);
            texts.push(p.context);
            bytes += Buffer.byteLength(p.context, "utf8");
        }
    }
}

function measure(name, encode) {
    const pass = () => {
        const start = process.hrtime.bigint();
        let tokens = 0;
        for (const t of texts) tokens += encode(t).length;
        return [Number(process.hrtime.bigint() - start) / 1e9, tokens];
    };
    const [cold, tokens] = pass();
    let warm = Infinity;
    for (let r = 0; r < 10; r++) warm = Math.min(warm, pass()[0]);
    console.log(JSON.stringify({ name, texts: texts.length, bytes, tokens,
        cold_mb_per_s: bytes / cold / 1e6, warm_mb_per_s: bytes / warm / 1e6 }));
}

const version = (pkg) => JSON.parse(readFileSync(new URL(`node_modules/${pkg}/package.json`, import.meta.url))).version;
const tiktoken = require("tiktoken").get_encoding("gpt2");
measure(`tiktoken ${version("tiktoken")} (WASM)`, (t) => tiktoken.encode_ordinary(t));
const gpt3 = require("gpt-3-encoder");
measure(`gpt-3-encoder ${version("gpt-3-encoder")}`, (t) => gpt3.encode(t));
