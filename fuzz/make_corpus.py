#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/): small valid and invalid inputs
from which libFuzzer mutates. Run from the repository root; the files are committed."""
import json
import os

BASE = "fuzz/corpus"


def write(target, name, data):
    os.makedirs(os.path.join(BASE, target), exist_ok=True)
    with open(os.path.join(BASE, target, name), "wb") as f:
        f.write(data)


TEXTS = {
    "english.txt": "The quick brown fox jumps over the lazy dog. Don't stop: it's 2024!".encode(),
    "unicode.txt": "naïve café — 東京 🙂 Ω≈ç √ ‘quotes’".encode(),
    "invalid_utf8.bin": b"ab\xff\xfe cd \xe2\x82 ef \xc3",
    "whitespace.txt": b"  leading\t\ttabs\n\n\nnewlines   trailing   ",
    "numbers.txt": b"1234567890 3.14159 -42 1e10 0x1F",
    "special.txt": b"<|endoftext|>Answer: <|endoftext|>",
}
for name, data in TEXTS.items():
    write("tokenizer_text", name, data)


def bytes_to_unicode():
    """OpenAI's printable spelling of the 256 bytes (GPT-2's encoder.py)."""
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
                 + list(range(ord("®"), ord("ÿ") + 1)))
    chars, extra = printable[:], 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, map(chr, chars)))


# A tiny complete byte-level vocabulary: the 256 byte tokens, a few merges and <|endoftext|>; the two files
# of a tokenizer_files input are separated by one NUL byte.
spelling = bytes_to_unicode()
vocab = {spelling[b]: i for i, b in enumerate(sorted(spelling))}
merges = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "w")]
for left, right in merges:
    vocab.setdefault(left + right, len(vocab))
vocab["<|endoftext|>"] = len(vocab)
vocab_json = json.dumps(vocab, ensure_ascii=False).encode()
merges_txt = ("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges)).encode()
write("tokenizer_files", "tiny_vocab.bin", vocab_json + b"\0" + merges_txt)
write("tokenizer_files", "missing_merges.bin", vocab_json)
write("tokenizer_files", "bad_merge_lines.bin", vocab_json + b"\0" + "#version: 0.2\nx\nĠ zz\n".encode())


def squad(context, qas, version="1.1"):
    article = {"title": "T", "paragraphs": [{"context": context, "qas": qas}]}
    return json.dumps({"version": version, "data": [article]}, ensure_ascii=False).encode()


CONTEXT = "Super Bowl 50 was an American football game. The Denver Broncos won; café Ω."
omega = CONTEXT.index("Ω")  # code points, as answer_start counts
write("squad_json", "v1.json", squad(CONTEXT, [
    {"id": "q1", "question": "Who won?",
     "answers": [{"text": "Denver Broncos", "answer_start": CONTEXT.index("Denver")}]}]))
write("squad_json", "v2_impossible.json", squad(CONTEXT, [
    {"id": "q2", "question": "Who lost?", "answers": [], "is_impossible": True,
     "plausible_answers": [{"text": "Super Bowl", "answer_start": 0}]}], "v2.0"))
write("squad_json", "unicode_span.json", squad(CONTEXT, [
    {"id": "q3", "question": "Which letter?", "answers": [{"text": "Ω", "answer_start": omega}]}]))
write("squad_json", "bad_span.json", squad(CONTEXT, [
    {"id": "q4", "question": "What?", "answers": [{"text": "café", "answer_start": 3}]}]))
write("squad_json", "wrong_types.json", b'{"data": [{"paragraphs": [{"context": 5, "qas": "none"}]}]}')
write("squad_json", "not_json.json", b'{"data": [')


# config.json: GPT-2 small as Hugging Face writes it, the shipped tiny model's, and two that must fail.
GPT2 = {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
        "bos_token_id": 50256, "embd_pdrop": 0.1, "eos_token_id": 50256, "initializer_range": 0.02,
        "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": 1024, "n_embd": 768, "n_head": 12,
        "n_inner": None, "n_layer": 12, "n_positions": 1024, "resid_pdrop": 0.1, "vocab_size": 50257}
write("gpt2_config_json", "gpt2.json", json.dumps(GPT2, indent=2).encode())
with open("assets/tiny-gpt2/config.json", "rb") as f:
    write("gpt2_config_json", "tiny.json", f.read())
write("gpt2_config_json", "bad_heads.json", json.dumps(dict(GPT2, n_head=7)).encode())
write("gpt2_config_json", "wrong_type.json", json.dumps(dict(GPT2, model_type="bert")).encode())


def safetensors(tensors, metadata=None, pad=True):
    """A safetensors file: {name: (dtype, shape, raw bytes)} laid out in order."""
    header, data = {}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    return len(text).to_bytes(8, "little") + text + data


write("safetensors_header", "two_tensors.safetensors", safetensors(
    {"wte.weight": ("F32", [2, 3], bytes(24)), "ln.bias": ("BF16", [3], bytes(6))}, {"format": "pt"}))
write("safetensors_header", "empty_and_scalar.safetensors", safetensors(
    {"empty": ("F16", [0, 5], b""), "scalar": ("I64", [], bytes(8)), "flag": ("BOOL", [1], b"\x01")}))
write("safetensors_header", "truncated.safetensors", safetensors({"w": ("F32", [4], bytes(16))})[:-4])
write("safetensors_header", "bad_dtype.safetensors", safetensors({"w": ("Q4", [4], bytes(4))}))
