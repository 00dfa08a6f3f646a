"""An independent perplexity and multiple-choice accuracy of an exported ONNX directory, in Python onnxruntime + numpy.

Usage: eval_check.py MODEL_DIR EVAL_JSONL [--window N] [--stride N] [--max-per-type N] [--model-file model.onnx]
                     [--mc-prompt question|cloze]

Written from the rules in docs/architecture.md ("Evaluation"), not from the Java code: records are read from the
JSONL eval set (multiple_choice, short_answer, text); each text starts with <|endoftext|> when the tokenizer has it
(Python `tokenizers`, add_special_tokens=False); a question's text is "Question: {q}\\nAnswer: {answer}". Perplexity is
exp(total NLL / predicted tokens) over every record's text in sliding windows (window tokens, moving by stride; each
window scores the tokens after the previous window's end; Hugging Face's strided perplexity). Multiple choice scores
" " + choice after "Question: {q}\\nAnswer:" (tokenized apart and concatenated; a row longer than the model keeps its
last tokens): acc = argmax of the summed log-likelihood, acc_norm = argmax of it over len(choice) characters,
pmi = argmax of it minus the same after the null question "?". With --mc-prompt cloze, a record with a "cloze"
field is scored after that text instead, and its null prompt is the bare "?". Log-softmax in float64 from the float32
logits.
Prints JSON: {"perplexity", "ppl_tokens", "mc_acc", "mc_acc_norm", "mc_pmi_acc", "mc_questions", "choice_ll",
"seconds", "tokens"} (seconds and tokens through the model of the scoring, for the evaluation benchmark).
"""
import argparse
import json
import os
import time

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("eval_file")
    ap.add_argument("--window", type=int, default=0)
    ap.add_argument("--stride", type=int, default=0)
    ap.add_argument("--max-per-type", type=int, default=0)
    ap.add_argument("--model-file", default="model.onnx")
    ap.add_argument("--mc-prompt", choices=["question", "cloze"], default="question")
    a = ap.parse_args()

    with open(os.path.join(a.model_dir, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    layers = cfg["num_hidden_layers"]
    kv_heads = cfg.get("num_key_value_heads", cfg["num_attention_heads"])
    head_dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    max_pos = cfg["max_position_embeddings"]
    window = min(a.window, max_pos) if a.window > 0 else max_pos
    stride = min(a.stride, window) if a.stride > 0 else max(1, window // 2)

    tok = Tokenizer.from_file(os.path.join(a.model_dir, "tokenizer.json"))
    bos = tok.token_to_id("<|endoftext|>")

    def encode(text, with_bos=True):
        ids = tok.encode(text, add_special_tokens=False).ids
        return ([bos] if with_bos and bos is not None else []) + ids

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    sess = ort.InferenceSession(os.path.join(a.model_dir, a.model_file), sess_options=opts,
                                providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]

    processed = [0]

    def token_log_probs(ids):
        n = len(ids)
        processed[0] += n
        feeds = {"input_ids": np.array([ids], dtype=np.int64), "attention_mask": np.ones((1, n), dtype=np.int64)}
        if "position_ids" in names:
            feeds["position_ids"] = np.arange(n, dtype=np.int64)[None, :]
        for l in range(layers):
            for kind in ("key", "value"):
                feeds[f"past_key_values.{l}.{kind}"] = np.zeros((1, kv_heads, 0, head_dim), dtype=np.float32)
        logits = sess.run(["logits"], feeds)[0][0].astype(np.float64)  # [n, vocab]
        m = logits.max(axis=-1, keepdims=True)
        logp = logits - m - np.log(np.exp(logits - m).sum(axis=-1, keepdims=True))
        return logp[np.arange(n - 1), np.array(ids[1:])]  # log p(ids[i] | ids[:i]), i = 1..n-1

    mc, texts = [], []
    counts = {"multiple_choice": 0, "short_answer": 0, "text": 0}
    with open(a.eval_file, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            t = r["type"]
            if a.max_per_type and counts[t] >= a.max_per_type:
                continue
            counts[t] += 1
            if t == "multiple_choice":
                mc.append(r)
                texts.append(f"Question: {r['question']}\nAnswer: {r['choices'][r['answer_index']]}")
            elif t == "short_answer":
                texts.append(f"Question: {r['question']}\nAnswer: {r['answer']}")
            else:
                texts.append(r["text"])

    t0 = time.perf_counter()
    nll, count = 0.0, 0
    for text in texts:
        ids = encode(text)
        prev_end = 0
        for begin in range(0, len(ids), stride):
            end = min(begin + window, len(ids))
            first = max(prev_end, begin + 1)
            if end - begin >= 2 and first < end:
                lp = token_log_probs(ids[begin:end])
                nll -= float(lp[first - begin - 1:].sum())
                count += end - first
            prev_end = end
            if end == len(ids):
                break

    def cont_ll(prompt, cont):
        row = prompt + cont
        start = len(prompt)
        if len(row) > max_pos:
            row = row[-max_pos:]
            start = max_pos - len(cont)
        return float(token_log_probs(row)[start - 1:].sum())

    acc = acc_norm = pmi = 0
    choice_ll = []
    for r in mc:
        cloze = a.mc_prompt == "cloze" and r.get("cloze") is not None
        prompt = encode(r["cloze"] if cloze else f"Question: {r['question']}\nAnswer:")
        null_prompt = encode("?" if cloze else "Question: ?\nAnswer:")
        ll, prior = [], []
        for c in r["choices"]:
            cont = encode(" " + c, with_bos=False)
            ll.append(cont_ll(prompt, cont))
            prior.append(cont_ll(null_prompt, cont))
        ll, prior = np.array(ll), np.array(prior)
        lens = np.array([float(len(c)) for c in r["choices"]])
        acc += int(np.argmax(ll) == r["answer_index"])
        acc_norm += int(np.argmax(ll / lens) == r["answer_index"])
        pmi += int(np.argmax(ll - prior) == r["answer_index"])
        choice_ll.append(ll.tolist())
    seconds = time.perf_counter() - t0
    q = len(mc)
    print(json.dumps({
        "seconds": seconds,
        "tokens": processed[0],
        "perplexity": float(np.exp(nll / count)),
        "ppl_tokens": count,
        "mc_acc": acc / q if q else None,
        "mc_acc_norm": acc_norm / q if q else None,
        "mc_pmi_acc": pmi / q if q else None,
        "mc_questions": q,
        "choice_ll": choice_ll,
    }))


if __name__ == "__main__":
    main()
