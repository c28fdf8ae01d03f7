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


# GLUE files: the first byte picks the task (its index in data::kGlueTaskNames, modulo 10), the rest is the
# file. The first rows of each shipped file, made-up rows of the other layouts, and broken rows.
TASKS = ["cola", "sst2", "mrpc", "qqp", "stsb", "mnli", "mnli-mm", "qnli", "rte", "wnli"]


def glue(name, task, contents):
    write("glue_file", name, bytes([TASKS.index(task)]) + contents)


def head(path, rows):
    with open(path, "rb") as f:
        return b"".join(f.readline() for _ in range(rows))


glue("sst2_dev.tsv", "sst2", head("assets/data/glue/SST-2/dev.tsv", 6))
glue("mrpc_dev.tsv", "mrpc", head("assets/data/glue/MRPC/dev.tsv", 4))
glue("cola_dev.tsv", "cola", head("assets/data/glue/CoLA/dev.tsv", 5))
glue("rte_val.jsonl", "rte", head("assets/data/glue/RTE/val.jsonl", 2))
glue("stsb.tsv", "stsb", b"index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n"
     b"0\tmain-captions\tMSRvid\t2012test\t0001\tnone\tnone\tA man plays.\tA man is playing.\t5.000\n")
glue("mnli.tsv", "mnli", b"index\tpromptID\tpairID\tgenre\tsentence1\tsentence2\tlabel1\tgold_label\n"
     b"0\t1\t1e\tgov\tThe cat sat.\tA cat sat.\tentailment\tentailment\n")
glue("qqp.jsonl", "qqp", b'{"question1": "Why?", "question2": "Why not?", "label": 1, "idx": 0}\n')
glue("sst2_broken.tsv", "sst2", b"sentence\tlabel\r\nshort\t7\r\n\tbroken")


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

# An encoder's config.json: roberta-base's as Hugging Face writes it, a classifier's with labels, two broken.
ROBERTA = {"architectures": ["RobertaForMaskedLM"], "attention_probs_dropout_prob": 0.1, "bos_token_id": 0,
           "eos_token_id": 2, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": 768,
           "initializer_range": 0.02, "intermediate_size": 3072, "layer_norm_eps": 1e-05,
           "max_position_embeddings": 514, "model_type": "roberta", "num_attention_heads": 12,
           "num_hidden_layers": 12, "pad_token_id": 1, "type_vocab_size": 1, "vocab_size": 50265}
write("encoder_config_json", "roberta_base.json", json.dumps(ROBERTA, indent=2).encode())
write("encoder_config_json", "classifier.json", json.dumps(dict(
    ROBERTA, id2label={"0": "negative", "1": "positive"}, label2id={"negative": 0, "positive": 1})).encode())
write("encoder_config_json", "num_labels.json", json.dumps(dict(ROBERTA, num_labels=3)).encode())
write("encoder_config_json", "bad_id2label.json", json.dumps(dict(ROBERTA, id2label={"1": "a", "x": "b"})).encode())
write("encoder_config_json", "no_positions.json", json.dumps(dict(ROBERTA, max_position_embeddings=2)).encode())


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


# Precision configs: the first byte picks the form (0 inline text, 1 a .json file, 2 a .toml file; + 4 for
# a model with a shared adapter), the rest is the text.
PRECISIONS = {
    "uniform.txt": (0, "8"), "fp.txt": (0, "fp"), "letters.txt": (0, "w4a8kv8"), "list.txt": (0, "16,8,4"),
    "shared_w6.txt": (4, "w6a8"), "bad_bits.txt": (0, "w40"),
    "patterns.json": (1, json.dumps({"default": 8, "h.0-1.attn.c_proj": "w4a8kv4", "h.*.mlp.*": 16,
                                     "qa_outputs": "16"})),
    "ambiguous.json": (1, json.dumps({"h.0.*": 8, "*.0.attn.kv": 4})),
    "patterns.toml": (2, 'default = 8\n"h.1.mlp.c_fc" = "w4a8kv4"\n"qa_outputs" = 16\n'),
    "bad.toml": (2, "default = [8\n"),
}
for name, (form, text) in PRECISIONS.items():
    write("precision_config", name, bytes([form]) + text.encode())


# bitswitch.json (first byte 0) and adapter_config.json (first byte 1), as train writes them.
RUN = {"adapters": ["16", "8"], "base_model": "assets/tiny-gpt2", "finetune": "lora",
       "format": "bitswitch-lora-run",
       "levels": [{"a_bits": 16, "kv_bits": 16, "lora_alpha": 2.0, "lora_dropout": 0.0, "name": "16", "r": 1,
                   "w_bits": 16},
                  {"a_bits": 8, "kv_bits": 8, "lora_alpha": 2.0, "lora_dropout": 0.0, "name": "8", "r": 1,
                   "w_bits": 8}],
       "quantization": {"act_granularity": "token", "act_range": "minmax", "ema_momentum": 0.9,
                        "fp_head": False, "group_size": 0, "kv_granularity": "token", "merged": False,
                        "scheme": "symmetric", "ste_clip": 0.0, "weight_granularity": "channel"}}
write("run_metadata_json", "switchable_run.json", b"\0" + json.dumps(RUN, indent=2).encode())
write("run_metadata_json", "full_run.json", b"\0" + json.dumps({"finetune": "full", "levels": RUN["levels"]}).encode())
write("run_metadata_json", "glue_run.json", b"\0" + json.dumps(dict(
    RUN, task="sst2", class_labels=["negative", "positive"])).encode())
write("run_metadata_json", "shared_group.json", b"\0" + json.dumps(dict(
    RUN, shared_adapter="shared", quantization=dict(RUN["quantization"], weight_granularity="group",
                                                    group_size=32, act_range="ema"))).encode())
write("run_metadata_json", "adapter_config.json", b"\1" + json.dumps(
    {"peft_type": "LORA", "r": 1, "lora_alpha": 2.0, "lora_dropout": 0.0, "fan_in_fan_out": True}).encode())
write("run_metadata_json", "adapter_config_no_r.json", b"\1" + json.dumps({"lora_alpha": 2.0}).encode())


def gguf(metadata, tensors, alignment=32):
    """A GGUF v3 file: metadata {key: (type, value)}, tensors [(name, ne, ggml type, raw bytes)]."""
    def string(s):
        b = s.encode()
        return len(b).to_bytes(8, "little") + b

    def value(kind, v):
        if kind == 4:
            return v.to_bytes(4, "little")
        if kind == 8:
            return string(v)
        if kind == 9:
            element, items = v
            return element.to_bytes(4, "little") + len(items).to_bytes(8, "little") + b"".join(
                value(element, i) for i in items)
        raise ValueError(kind)

    out = b"GGUF" + (3).to_bytes(4, "little") + len(tensors).to_bytes(8, "little")
    out += len(metadata).to_bytes(8, "little")
    for key, (kind, v) in metadata.items():
        out += string(key) + kind.to_bytes(4, "little") + value(kind, v)
    offset, data = 0, b""
    for name, ne, kind, raw in tensors:
        out += string(name) + len(ne).to_bytes(4, "little") + b"".join(n.to_bytes(8, "little") for n in ne)
        out += kind.to_bytes(4, "little") + offset.to_bytes(8, "little")
        padded = raw + bytes((-len(raw)) % alignment)
        data += padded
        offset += len(padded)
    out += bytes((-len(out)) % alignment)
    return out + data


with open("assets/tiny-gpt2/config.json") as f:
    TINY = json.load(f)
DEPLOYMENT = {
    "general.architecture": (8, "bitswitch"), "general.name": (8, "tiny"), "bitswitch.version": (4, 1),
    "bitswitch.model_config": (8, json.dumps(TINY)),
    "bitswitch.quantization": (8, json.dumps(RUN["quantization"])),
    "bitswitch.adapter_set": (8, json.dumps({"levels": RUN["levels"]})),
    "bitswitch.adapters": (8, json.dumps({"8": {"r": 1, "lora_alpha": 2.0, "lora_dropout": 0.0,
                                                "units": ["h.0.attn.c_attn", "h.0.mlp.c_fc"]}})),
    "bitswitch.configs": (9, (8, ["8", "w4a8kv8"])),
    "bitswitch.tokenizer.vocab": (8, '{"a": 0, "b": 1}'), "bitswitch.tokenizer.merges": (8, "#version: 0.2\n"),
}
TENSORS = [("wte.weight", [4, 2], 0, bytes(32)), ("h.0.attn.c_attn.w8.q", [4, 12], 24, bytes(48)),
           ("h.0.attn.c_attn.w8.d", [1, 12], 0, bytes(48)), ("h.0.mlp.c_fc.w4+8.q", [2, 16], 24, bytes(32))]
write("gguf_deployment", "deployment.gguf", gguf(DEPLOYMENT, TENSORS))
write("gguf_deployment", "llama_arch.gguf", gguf({"general.architecture": (8, "llama"),
                                                   "general.alignment": (4, 64)},
                                                  [("tok_embd", [32, 2], 8, bytes(68))], 64))
write("gguf_deployment", "truncated.gguf", gguf(DEPLOYMENT, TENSORS)[:-40])


# POST /v1/qa bodies.
QA = {"question": "Who won?", "context": "The Denver Broncos won the game.", "precision": "8", "n_best": 2}
write("qa_request_body", "one.json", json.dumps(QA).encode())
write("qa_request_body", "batch.json", json.dumps({"questions": [QA, dict(QA, precision="w4a8kv8")]}).encode())
write("qa_request_body", "unknown_field.json", json.dumps(dict(QA, temperature=1)).encode())
write("qa_request_body", "bad_n_best.json", json.dumps(dict(QA, n_best=0)).encode())


# --config files for the stand-in train command (learning_rate, max_steps, w_bits/bit_widths, output_dir,
# mode, do_train).
write("toml_config", "flat.toml", b'learning_rate = 3e-3\nw_bits = [8, 6, 4]\noutput_dir = "runs/x"\n'
                                  b'do_train = true\n')
write("toml_config", "section.toml", b'[train]\nmode = "cyclic"\nbit_widths = [4, 8]\nmax_steps = 100\n')
write("toml_config", "unknown_key.toml", b"epochs = 3\n")
write("toml_config", "bad_value.toml", b'mode = "fast"\nlearning_rate = -1\n')
# JSON config files: seed 004's cfg_cpt.json (schedule ends) and flag names with lists
write("toml_config", "cfg_cpt.json",
      b'{"wbit_min": 4, "wbit_max": 8, "inbit_min": 16, "inbit_max": 16, "num_cyclic_period": 64}\n')
write("toml_config", "flags.json", b'{"w_bits": [8, 4], "mode": "switchable", "do_train": true, "max_steps": 9}\n')
