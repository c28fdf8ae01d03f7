#!/usr/bin/env python3
"""Writes assets/roberta-tokenizer/ (vocab.json + merges.txt): a byte-level BPE vocabulary in RoBERTa's
layout, for the encoders bitswitch trains itself (roberta-base's own files cannot be downloaded here).
RoBERTa uses GPT-2's merges with four special tokens first and <mask> last; this file does the same with
GPT-2's tokens in GPT-2's order: <s> 0, <pad> 1, </s> 2, <unk> 3, GPT-2's 50,256 byte-level tokens from 4,
<mask> 50260. (roberta-base orders the GPT-2 tokens by fairseq's dictionary instead, so its ids differ; a
checkpoint always comes with its own vocab.json, which bitswitch reads the same way.)
Run from the repository root; the output is committed."""
import json
import os

with open("assets/gpt2-tokenizer/encoder.json", encoding="utf-8") as f:
    gpt2 = json.load(f)
vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
for token, _ in sorted(gpt2.items(), key=lambda item: item[1]):
    if token != "<|endoftext|>":
        vocab[token] = len(vocab)
vocab["<mask>"] = len(vocab)

os.makedirs("assets/roberta-tokenizer", exist_ok=True)
with open("assets/roberta-tokenizer/vocab.json", "w", encoding="utf-8") as f:
    json.dump(vocab, f, ensure_ascii=False)
with open("assets/gpt2-tokenizer/vocab.bpe", encoding="utf-8") as src, \
        open("assets/roberta-tokenizer/merges.txt", "w", encoding="utf-8") as dst:
    dst.write(src.read())
print(f"assets/roberta-tokenizer: {len(vocab)} tokens, <mask> = {vocab['<mask>']}")
