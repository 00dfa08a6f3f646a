"""Does a teacher know the eval set's facts, or only not understand its question form?

Scores the eval set's multiple-choice questions on an ONNX export (``agentos export onnx``) with several prompt
forms and prints, per form, how many questions the summed log-likelihood and PMI pick right. ``qa`` is the form
the evaluation stage uses (evaluation's ``Prompts``: ``Question: ...\\nAnswer:``); ``cloze`` and ``guide`` restate
a fault-meaning question in two of the corpus' own phrasings ("Fault code X means", "Troubleshooting guide for X
on the M:"), so they apply to the fault-meaning questions only; ``chat`` wraps the question in the checkpoint's
ChatML template (the SFT set's form) and, for fault meanings, starts the answer the way the SFT answers do. A probe
for docs/benchmarks.md ("Distillation"), not a metric of the product.

    python scripts/bench/mc_prompt_probe.py --model DIR [--eval datasets-sample/data/eval.jsonl]

Needs numpy, onnxruntime and tokenizers (the test virtualenv .venv has them).
"""
import argparse
import json
import re

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

SYSTEM = ("You are a field-service assistant for industrial equipment. Answer from the service documentation, "
          "name fault codes and part numbers exactly, and put safety first.")


class Scorer:
    def __init__(self, model_dir):
        self.tok = Tokenizer.from_file(model_dir + "/tokenizer.json")
        self.session = ort.InferenceSession(model_dir + "/model.onnx")
        cfg = json.load(open(model_dir + "/config.json"))
        self.kv_shape = (1, cfg["num_key_value_heads"], 0, cfg["hidden_size"] // cfg["num_attention_heads"])
        self.bos = self.tok.token_to_id("<|endoftext|>")
        self.past = [i.name for i in self.session.get_inputs() if i.name.startswith("past_key_values")]

    def logprob(self, prompt, continuation):
        """Summed log-probability of continuation's tokens after BOS + prompt (tokenized apart, as Prompts does)."""
        p = [self.bos] + self.tok.encode(prompt).ids
        c = self.tok.encode(continuation).ids
        ids = np.array([p + c], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids),
                "position_ids": np.arange(ids.shape[1], dtype=np.int64)[None]}
        for name in self.past:
            feed[name] = np.zeros(self.kv_shape, dtype=np.float32)
        logits = self.session.run(["logits"], feed)[0][0].astype(np.float64)
        logits -= logits.max(-1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        return float(sum(logp[len(p) - 1 + i, t] for i, t in enumerate(c)))


def chat(question):
    return (f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{question}<|im_end|>\n"
            "<|im_start|>assistant\n")


def forms(e):
    """(prompt, null prompt, continuations) per form that applies to the record."""
    qa_null = "Question: ?\nAnswer:"
    spaced = [" " + c for c in e["choices"]]
    out = {"qa": ("Question: " + e["question"] + "\nAnswer:", qa_null, spaced)}
    m = re.search(r"For the (\S+) .*code (\S+) report", e["question"])
    if e["topic"] == "fault_meaning" and m:
        model, code = m.group(1), m.group(2)
        out["cloze"] = (f"Fault code {code} means", "?", spaced)
        out["guide"] = (f"Troubleshooting guide for {code} on the {model}:", "?", spaced)
        out["chat"] = (chat(e["question"]) + f"Fault code {code} means", chat("?") + "Fault code means", spaced)
    else:
        out["chat"] = (chat(e["question"]), chat("?"), list(e["choices"]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="an ONNX export directory (agentos export onnx)")
    ap.add_argument("--eval", default="datasets-sample/data/eval.jsonl")
    a = ap.parse_args()
    s = Scorer(a.model)
    records = [json.loads(line) for line in open(a.eval) if line.strip()]
    mc = [e for e in records if e["type"] == "multiple_choice"]
    tally = {}
    for e in mc:
        for name, (prompt, null, conts) in forms(e).items():
            summed = np.array([s.logprob(prompt, c) for c in conts])
            pmi = summed - np.array([s.logprob(null, c) for c in conts])
            t = tally.setdefault((name, e["topic"]), [0, 0, 0])
            t[0] += int(np.argmax(summed) == e["answer_index"])
            t[1] += int(np.argmax(pmi) == e["answer_index"])
            t[2] += 1
    print(f"{a.model}: {len(mc)} multiple-choice questions, 4 choices (chance 25 %)")
    for (name, topic), (summed, pmi, n) in sorted(tally.items()):
        print(f"  {name:6s} {topic:14s} summed {summed:3d}/{n}  PMI {pmi:3d}/{n}")


if __name__ == "__main__":
    main()
