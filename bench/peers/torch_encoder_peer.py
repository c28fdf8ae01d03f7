"""Benchmark harness only: the PyTorch eager peer of bench/bench_encoder.cpp.

The same math in plain PyTorch (no transformers package here), written as Hugging Face's RoBERTa modules
compute it: roberta-base shapes with random weights, post-LayerNorm layers, exact GELU, dropout 0.1, a
two-class sequence classifier (dense, tanh, out_proj on <s>). A full fine-tuning step at batch 16 x 128
(forward, cross-entropy, backward, AdamW lr 1e-5, weight decay 0.01 on every parameter) and an fp32 eval
forward at batch 32 x 128; then both again under torch.autocast's bfloat16 (the peer of bitswitch --bf16).
Gradients are set to None between steps (no zeroing pass), as bitswitch's trainer does. Prints one JSON line.
Run with Debian's python3-torch:
  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/peers/torch_encoder_peer.py [threads] [steps]
"""
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

threads = int(sys.argv[1]) if len(sys.argv) > 1 and int(sys.argv[1]) > 0 else len(os.sched_getaffinity(0))
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
torch.set_num_threads(threads)
torch.manual_seed(0)
V, P, C, L, H, FF, T, PAD = 50265, 514, 768, 12, 12, 3072, 128, 1
DROP = 0.1


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.query, self.key, self.value = nn.Linear(C, C), nn.Linear(C, C), nn.Linear(C, C)
        self.attention_output, self.attention_norm = nn.Linear(C, C), nn.LayerNorm(C, eps=1e-5)
        self.intermediate, self.output = nn.Linear(C, FF), nn.Linear(FF, C)
        self.output_norm = nn.LayerNorm(C, eps=1e-5)

    def forward(self, x, key_bias):
        B_, T_, _ = x.shape
        heads = lambda t: t.view(B_, T_, H, C // H).transpose(1, 2)
        q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(C // H) + key_bias
        probs = F.dropout(torch.softmax(scores, -1), DROP, self.training)
        context = (probs @ v).transpose(1, 2).reshape(B_, T_, C)
        a = self.attention_norm(F.dropout(self.attention_output(context), DROP, self.training) + x)
        h = F.gelu(self.intermediate(a))
        return self.output_norm(F.dropout(self.output(h), DROP, self.training) + a)


class RobertaClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.word, self.position, self.token_type = nn.Embedding(V, C), nn.Embedding(P, C), nn.Embedding(1, C)
        self.embedding_norm = nn.LayerNorm(C, eps=1e-5)
        self.layers = nn.ModuleList(Layer() for _ in range(L))
        self.dense, self.out_proj = nn.Linear(C, C), nn.Linear(C, 2)

    def forward(self, ids, mask):
        positions = mask.cumsum(1) * mask + PAD  # RoBERTa's padding-offset positions
        x = self.word(ids) + self.position(positions) + self.token_type.weight[0]
        x = F.dropout(self.embedding_norm(x), DROP, self.training)
        key_bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, key_bias)
        h = torch.tanh(self.dense(F.dropout(x[:, 0], DROP, self.training)))
        return self.out_proj(F.dropout(h, DROP, self.training))


def random_ids(batch):
    ids = torch.randint(3, V, (batch, T))
    ids[:, 0], ids[:, -1] = 0, 2
    return ids


def seconds_per_call(fn):
    """Mean seconds of `steps` calls after two warm-up calls."""
    fn()
    fn()
    t = time.perf_counter()
    for _ in range(steps):
        fn()
    return (time.perf_counter() - t) / steps


model = RobertaClassifier()
opt = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.01)
ids, mask, labels = random_ids(16), torch.ones(16, T, dtype=torch.long), torch.randint(0, 2, (16,))


def train_step(bf16=False):
    """Forward, loss, backward, AdamW; under torch.autocast's bf16 when asked (bitswitch --bf16's peer)."""
    opt.zero_grad(set_to_none=True)  # no zeroing pass (the default from PyTorch 2.0 on)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        loss = F.cross_entropy(model(ids, mask).float(), labels)
    loss.backward()
    opt.step()


eval_ids, eval_mask = random_ids(32), torch.ones(32, T, dtype=torch.long)


def eval_forward(bf16=False):
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        model(eval_ids, eval_mask)


seconds = {}
for bf16 in (False, True):
    model.train()
    seconds["step", bf16] = seconds_per_call(lambda: train_step(bf16))
    model.eval()
    seconds["forward", bf16] = seconds_per_call(lambda: eval_forward(bf16))
print(json.dumps({
    "name": f"pytorch {torch.__version__} eager",
    "threads": torch.get_num_threads(),
    "train_step_tokens_per_s": 16 * T / seconds["step", False],
    "eval_forward_tokens_per_s": 32 * T / seconds["forward", False],
    "train_step_autocast_bf16_tokens_per_s": 16 * T / seconds["step", True],
    "eval_forward_autocast_bf16_tokens_per_s": 32 * T / seconds["forward", True],
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
