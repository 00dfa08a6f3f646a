#!/usr/bin/env python3
"""PyTorch eager peer of the training benchmark (benchmarks/.../training/TrainingBench.java).

The demo teacher written in plain PyTorch: the same Llama decoder as io.llmagentos.training.LlamaModel
(embedding, per layer RMSNorm -> grouped-query attention with rotary positions and a causal mask ->
residual -> RMSNorm -> SwiGLU MLP -> residual, final RMSNorm, LM head), next-token cross-entropy (mean over
the step's tokens), global-norm gradient clipping and torch.optim.AdamW (decay on matrices only), eager mode,
float32, torch.set_num_threads(THREADS). Parameter names are Hugging Face's, so our initial weights load.

  training_peer.py gemm THREADS SIZE...              -> {"gflops": {"1024": ...}}  (median of timed loops)
  training_peer.py train SPEC_JSON                    -> step times, phase times, losses, peak RSS

SPEC_JSON (a file) holds: config (HF config.json keys), batch, seq, threads, warmup, steps, seed, lr (one
value, or a list per step), weight_decay, beta1, beta2, eps, grad_clip, and optionally windows (a JSON file
of {"inputs": [[...]], "targets": [[...]]} rows that the steps cycle through; default random ids) and init
(a safetensors file of initial weights by HF name; default a seeded N(0, 0.02) init). Every step is timed
in phases: data (the step's id tensors), forward (through the loss), backward, optimizer (clip + AdamW
step + zero_grad); loss.item() ends the forward, as our loop reads the loss every step.
"""
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class RMSNorm(nn.Module):
    def __init__(self, h, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(h))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads, self.kv, self.d = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
        h = c["hidden_size"]
        self.q_proj = nn.Linear(h, self.heads * self.d, bias=False)
        self.k_proj = nn.Linear(h, self.kv * self.d, bias=False)
        self.v_proj = nn.Linear(h, self.kv * self.d, bias=False)
        self.o_proj = nn.Linear(self.heads * self.d, h, bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.d).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.kv, self.d).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.kv, self.d).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if self.kv != self.heads:
            g = self.heads // self.kv
            k = k[:, :, None].expand(b, self.kv, g, t, self.d).reshape(b, self.heads, t, self.d)
            v = v[:, :, None].expand(b, self.kv, g, t, self.d).reshape(b, self.heads, t, self.d)
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.d) + mask
        out = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, self.heads * self.d)
        return self.o_proj(out)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, i = c["hidden_size"], c["intermediate_size"]
        self.gate_proj = nn.Linear(h, i, bias=False)
        self.up_proj = nn.Linear(h, i, bias=False)
        self.down_proj = nn.Linear(i, h, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class Decoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList(Layer(c) for _ in range(c["num_hidden_layers"]))
        self.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])


class Llama(nn.Module):
    def __init__(self, c, max_len):
        super().__init__()
        self.model = Decoder(c)
        self.lm_head = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)
        if c.get("tie_word_embeddings"):
            self.lm_head.weight = self.model.embed_tokens.weight
        d = c["head_dim"]
        inv = 1.0 / (c.get("rope_theta", 10000.0) ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
        freqs = torch.arange(max_len).float()[:, None] * inv[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos", emb.cos(), persistent=False)
        self.register_buffer("sin", emb.sin(), persistent=False)
        self.register_buffer("mask", torch.full((max_len, max_len), torch.finfo(torch.float32).min).triu(1),
                             persistent=False)

    def forward(self, ids):
        t = ids.shape[1]
        x = self.model.embed_tokens(ids)
        cos, sin, mask = self.cos[:t], self.sin[:t], self.mask[:t, :t]
        for layer in self.model.layers:
            x = layer(x, cos, sin, mask)
        return self.lm_head(self.model.norm(x))


def init_weights(model, seed, init):
    if init:
        from safetensors.torch import load_file
        sd = load_file(init)
        missing, unexpected = model.load_state_dict(sd, strict=False)
        if missing or unexpected:
            sys.exit(f"{init}: missing {missing}, unexpected {unexpected}")
        return
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 1:
                p.fill_(1.0)
            else:
                p.normal_(0.0, 0.02, generator=g)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def median(v):
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def train(spec_file):
    spec = json.load(open(spec_file, encoding="utf-8"))
    torch.set_num_threads(spec["threads"])
    torch.manual_seed(spec["seed"])
    c = spec["config"]
    batch, seq = spec["batch"], spec["seq"]
    model = Llama(c, seq)
    init_weights(model, spec["seed"], spec.get("init"))
    model.train()
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    lr0 = spec["lr"][0] if isinstance(spec["lr"], list) else spec["lr"]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": spec["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=lr0, betas=(spec["beta1"], spec["beta2"]), eps=spec["eps"])
    if spec.get("windows"):
        w = json.load(open(spec["windows"], encoding="utf-8"))
        inputs = torch.tensor(w["inputs"], dtype=torch.int64)[:, :seq]
        targets = torch.tensor(w["targets"], dtype=torch.int64)[:, :seq]
    else:
        g = torch.Generator().manual_seed(spec["seed"])
        ids = torch.randint(0, c["vocab_size"], (4 * batch, seq + 1), generator=g)
        inputs, targets = ids[:, :-1].contiguous(), ids[:, 1:].contiguous()
    rows = inputs.shape[0]
    rss_before = rss_mb()
    phases = {"data": [], "forward": [], "backward": [], "optimizer": [], "step": []}
    losses = []
    total = spec["warmup"] + spec["steps"]
    for step in range(total):
        t0 = time.perf_counter()
        pick = torch.tensor([(step * batch + r) % rows for r in range(batch)])
        x, y = inputs.index_select(0, pick), targets.index_select(0, pick)
        t1 = time.perf_counter()
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), y.view(-1))
        losses.append(loss.item())
        t2 = time.perf_counter()
        loss.backward()
        t3 = time.perf_counter()
        if isinstance(spec["lr"], list):
            for group in opt.param_groups:
                group["lr"] = spec["lr"][step]
        if spec["grad_clip"] > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), spec["grad_clip"])
        opt.step()
        opt.zero_grad(set_to_none=True)
        t4 = time.perf_counter()
        if step >= spec["warmup"]:
            for k, v in (("data", t1 - t0), ("forward", t2 - t1), ("backward", t3 - t2), ("optimizer", t4 - t3),
                         ("step", t4 - t0)):
                phases[k].append(v)
    out = {"torch": torch.__version__, "python": sys.version.split()[0], "threads": torch.get_num_threads(),
           "interop_threads": torch.get_num_interop_threads(), "losses": losses,
           "step_seconds": phases["step"], "median_step_seconds": median(phases["step"]) if phases["step"] else None,
           "phase_median_seconds": {k: median(v) for k, v in phases.items() if v},
           "peak_rss_mb": peak_rss_mb(), "rss_before_train_mb": rss_before, "parameters": sum(p.numel() for p in model.parameters()),
           "mkl": torch.backends.mkl.is_available(), "mkldnn": torch.backends.mkldnn.is_available()}
    print(json.dumps(out))


def gemm(threads, sizes):
    torch.set_num_threads(threads)
    out = {}
    for n in sizes:
        a = torch.rand(n, n) * 2 - 1
        b = torch.rand(n, n) * 2 - 1
        for _ in range(3):
            a @ b
        reps = max(1, int(4 * (1024 / n) ** 3))
        rates = []
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(reps):
                a @ b
            rates.append(reps * 2.0 * n ** 3 / (time.perf_counter() - t0) / 1e9)
        out[str(n)] = {"median": median(rates), "max": max(rates)}
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "gflops": out}))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "train":
        train(sys.argv[2])
    elif len(sys.argv) >= 4 and sys.argv[1] == "gemm":
        gemm(int(sys.argv[2]), [int(s) for s in sys.argv[3:]])
    else:
        sys.exit(__doc__)
