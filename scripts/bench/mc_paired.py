#!/usr/bin/env python3
"""Paired comparison of multiple-choice scores written by ScoreCheckpoints --out (docs/benchmarks.md, "Distillation").

    python3 scripts/bench/mc_paired.py SCORES.jsonl --teacher kd-teacher --group plain=ablation-plain- \
        --group online=ablation-online- [--against plain]

Each --group NAME=PATTERN collects the checkpoints whose path matches the regular expression PATTERN followed by a
number, the checkpoint's seed (ablation-online-42/final -> 42; '(runA|runB)/ablation-online-' takes seeds from two
runs). Prints per group: the mean validation perplexity and PMI task accuracy over its checkpoints, the accuracy's 95 % Wilson interval over seeds x questions, and its retention of the
teacher's accuracy; then each group against the --against group, paired by seed over the questions (exact two-sided
McNemar on the questions only one of the two gets right, pooled over the seeds both have). Standard library only.
"""
import argparse
import json
import math
import re
import sys


def wilson(k, n, z=1.96):
    if n == 0:
        return 0.0, 0.0
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return c - h, c + h


def mcnemar(b, c):
    """Exact two-sided McNemar p-value: the binomial test of b against b + c at 1/2."""
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scores", help="the JSON lines ScoreCheckpoints --out wrote")
    ap.add_argument("--teacher", required=True, help="substring of the teacher checkpoint's path")
    ap.add_argument("--group", action="append", default=[], help="NAME=PATTERN (repeatable)")
    ap.add_argument("--against", help="the group the others are paired with (default: the first)")
    a = ap.parse_args(argv)
    rows = [json.loads(l) for l in open(a.scores, encoding="utf-8") if l.strip()]
    teacher = [r for r in rows if a.teacher in r["checkpoint"]]
    if not teacher:
        sys.exit(f"{a.scores}: no checkpoint path contains the teacher's '{a.teacher}'")
    t = teacher[-1]
    groups = {}
    for g in a.group:
        if "=" not in g:
            sys.exit(f"--group expects NAME=PATTERN (got '{g}')")
        name, sub = g.split("=", 1)
        members = {}
        for r in rows:
            m = re.search("(?:" + sub + r")(?P<seed>\d+)", r["checkpoint"])
            if m:
                members[m.group("seed")] = r  # the last line of a seed wins (a re-score replaces an earlier one)
        if not members:
            sys.exit(f"{a.scores}: no checkpoint path matches '{sub}' followed by a seed (group {name})")
        groups[name] = members
    n = len(t["pmi_correct"])
    t_acc = t["task_acc"]
    print(f"teacher {t['checkpoint']}: val_ppl {t['val_ppl']:.3f}, task acc (PMI) {t['pmi_correct'].count('1')}/{n} "
          f"= {100 * t_acc:.1f} %, per char {100 * t['task_acc_char']:.1f} %, summed {100 * t['task_acc_sum']:.1f} %")
    print(f"{'group':<16} {'seeds':<12} {'val_ppl':>8} {'acc':>7} {'95% CI':>13} {'char':>7} {'sum':>7} {'retention':>10}")
    for name, members in groups.items():
        rs = list(members.values())
        if any(len(r["pmi_correct"]) != n for r in rs):
            sys.exit(f"group {name}: scored on another eval set than the teacher ({n} questions)")
        k = sum(r["pmi_correct"].count("1") for r in rs)
        lo, hi = wilson(k, n * len(rs))
        acc = k / (n * len(rs))
        ppl = sum(r["val_ppl"] for r in rs) / len(rs)
        ch = sum(r["task_acc_char"] for r in rs) / len(rs)
        su = sum(r["task_acc_sum"] for r in rs) / len(rs)
        per_seed = ", ".join(f"{s}: {100 * r['task_acc']:.1f}" for s, r in sorted(members.items()))
        print(f"{name:<16} {','.join(sorted(members)):<12} {ppl:>8.3f} {100 * acc:>6.1f}% {100 * lo:>5.1f}-{100 * hi:>5.1f}% "
              f"{100 * ch:>6.1f}% {100 * su:>6.1f}% {100 * acc / t_acc:>9.1f}%   (per seed {per_seed})")
    base_name = a.against or next(iter(groups))
    base = groups[base_name]
    for name, members in groups.items():
        if name == base_name:
            continue
        seeds = sorted(set(members) & set(base))
        b = c = 0
        for s in seeds:
            for x, y in zip(members[s]["pmi_correct"], base[s]["pmi_correct"]):
                b += x == "1" and y == "0"
                c += x == "0" and y == "1"
        print(f"{name} vs {base_name}, paired over seeds {','.join(seeds) or '-'} x {n} questions: {b} right only with "
              f"{name}, {c} only with {base_name}; exact McNemar p = {mcnemar(b, c):.3g}")


if __name__ == "__main__":
    main(sys.argv[1:])
