"""Benchmark harness only: the PyTorch eager peer of bench/bench_model.cpp.

The same math in plain PyTorch (no transformers package here): GPT-2 124M shapes with random weights,
frozen base, rank-8 LoRA on every block linear, QA head trained, dropout 0.1; a training step at batch 4 x
384 (forward, backward, AdamW) and an fp32 eval forward at batch 8 x 384, then both again under
torch.autocast("cpu", dtype=torch.bfloat16). Prints one JSON line.
Run with Debian's python3-torch: OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/peers/torch_peer.py [threads] [steps]
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

threads = int(sys.argv[1]) if len(sys.argv) > 1 and int(sys.argv[1]) > 0 else len(__import__("os").sched_getaffinity(0))
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
torch.set_num_threads(threads)
torch.manual_seed(0)
V, P, C, L, H, T, R = 50257, 1024, 768, 12, 12, 384, 8


class LoRALinear(nn.Module):
    def __init__(self, fan_in, fan_out):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(fan_out, fan_in) * 0.02, requires_grad=False)
        self.bias = nn.Parameter(torch.zeros(fan_out), requires_grad=False)
        self.A = nn.Parameter(torch.empty(R, fan_in))
        nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))
        self.B = nn.Parameter(torch.zeros(fan_out, R))

    def forward(self, x):
        return F.linear(x, self.weight, self.bias) + F.linear(F.linear(x, self.A), self.B) * (16.0 / R)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(C), nn.LayerNorm(C)
        self.c_attn, self.attn_proj = LoRALinear(C, 3 * C), LoRALinear(C, C)
        self.c_fc, self.mlp_proj = LoRALinear(C, 4 * C), LoRALinear(4 * C, C)

    def forward(self, x, keep):
        B_, T_, _ = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q, k, v = (t.view(B_, T_, H, C // H).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(C // H))
        att = F.dropout(torch.softmax(att.masked_fill(~keep, torch.finfo(att.dtype).min), -1), 0.1, self.training)
        y = (att @ v).transpose(1, 2).reshape(B_, T_, C)
        x = x + F.dropout(self.attn_proj(y), 0.1, self.training)
        h = F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh")
        return x + F.dropout(self.mlp_proj(h), 0.1, self.training)


class Gpt2QA(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(V, C), nn.Embedding(P, C)
        self.h = nn.ModuleList(Block() for _ in range(L))
        self.ln_f = nn.LayerNorm(C)
        self.qa_outputs = nn.Linear(C, 2)

    def forward(self, ids, mask):
        B_, T_ = ids.shape
        x = F.dropout(self.wte(ids) + self.wpe(torch.arange(T_)), 0.1, self.training)
        keep = torch.ones(T_, T_, dtype=torch.bool).tril().view(1, 1, T_, T_) & mask.bool().view(B_, 1, 1, T_)
        for block in self.h:
            x = block(x, keep)
        logits = self.qa_outputs(self.ln_f(x))
        return logits[..., 0], logits[..., 1]


model = Gpt2QA()
for name, p in model.named_parameters():
    p.requires_grad = name.endswith(".A") or name.endswith(".B") or name.startswith("qa_outputs")
opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)

ids, mask = torch.randint(0, V, (4, T)), torch.ones(4, T, dtype=torch.long)
start, end = torch.randint(0, T, (4,)), torch.randint(0, T, (4,))


def seconds_per_call(fn):
    """Mean seconds of `steps` calls after one warm-up call."""
    fn()
    t = time.perf_counter()
    for _ in range(steps):
        fn()
    return (time.perf_counter() - t) / steps


def train_step(bf16=False):
    """Forward, loss, backward, AdamW; under torch.autocast's bf16 when asked (bitswitch --bf16's peer)."""
    opt.zero_grad()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        s, e = model(ids, mask)
        loss = (F.cross_entropy(s.float(), start) + F.cross_entropy(e.float(), end)) / 2
    loss.backward()
    opt.step()


def eval_forward(bf16=False):
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        model(eval_ids, eval_mask)


eval_ids, eval_mask = torch.randint(0, V, (8, T)), torch.ones(8, T, dtype=torch.long)
seconds = {}
for bf16 in (False, True):
    model.train()
    seconds["step", bf16] = seconds_per_call(lambda: train_step(bf16))
    model.eval()
    seconds["forward", bf16] = seconds_per_call(lambda: eval_forward(bf16))

import resource  # noqa: E402

print(json.dumps({
    "name": f"pytorch {torch.__version__} eager",
    "threads": torch.get_num_threads(),
    "train_step_tokens_per_s": 4 * T / seconds["step", False],
    "eval_forward_tokens_per_s": 8 * T / seconds["forward", False],
    "train_step_autocast_bf16_tokens_per_s": 4 * T / seconds["step", True],
    "eval_forward_autocast_bf16_tokens_per_s": 8 * T / seconds["forward", True],
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
