"""Runs an exported ONNX directory in Python onnxruntime, the way Optimum's ORTModelForCausalLM drives it.

Usage: onnx_check.py MODEL_DIR REQUEST_JSON
REQUEST_JSON: {"prompt": [ids...], "max_new_tokens": N, "model_file": "model.onnx"}

Checks the file with onnx.checker (by path, so external data is read too), reads num_key_value_heads and
head_dim from config.json beside the model as Optimum does, then generates greedily with the KV cache (the first
call passes empty past tensors [1, kv_heads, 0, head_dim]) and once more without it, and prints JSON:
{"tokens": [...], "tokens_without_cache": [...], "inputs": [...], "outputs": [...], "opset": N,
 "metadata": {...}, "ort_version": "..."}.
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort


def main():
    model_dir, request_file = sys.argv[1], sys.argv[2]
    with open(request_file, encoding="utf-8") as f:
        req = json.load(f)
    path = os.path.join(model_dir, req.get("model_file", "model.onnx"))
    onnx.checker.check_model(path, full_check=True)
    model = onnx.load(path, load_external_data=False)
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    metadata = {p.key: p.value for p in model.metadata_props}

    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    kv_heads = cfg.get("num_key_value_heads", cfg["num_attention_heads"])
    head_dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    layers = cfg["num_hidden_layers"]

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    sess = ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])
    input_names = [i.name for i in sess.get_inputs()]
    output_names = [o.name for o in sess.get_outputs()]

    prompt = list(req["prompt"])
    steps = int(req["max_new_tokens"])

    def run(ids, past, past_len):
        seq = len(ids)
        feeds = {
            "input_ids": np.array([ids], dtype=np.int64),
            "attention_mask": np.ones((1, past_len + seq), dtype=np.int64),
        }
        if "position_ids" in input_names:
            feeds["position_ids"] = np.arange(past_len, past_len + seq, dtype=np.int64)[None, :]
        for l in range(layers):
            feeds[f"past_key_values.{l}.key"] = past[2 * l]
            feeds[f"past_key_values.{l}.value"] = past[2 * l + 1]
        out = sess.run(None, feeds)
        named = dict(zip(output_names, out))
        presents = []
        for l in range(layers):
            presents += [named[f"present.{l}.key"], named[f"present.{l}.value"]]
        return named["logits"], presents

    empty = [np.zeros((1, kv_heads, 0, head_dim), dtype=np.float32) for _ in range(2 * layers)]
    tokens = list(prompt)
    past, past_len, feed = empty, 0, list(prompt)
    for _ in range(steps):
        logits, past = run(feed, past, past_len)
        past_len += len(feed)
        nxt = int(np.argmax(logits[0, -1]))
        tokens.append(nxt)
        feed = [nxt]
        if past[0].shape != (1, kv_heads, past_len, head_dim):
            raise SystemExit(f"present.0.key has shape {past[0].shape}, expected {(1, kv_heads, past_len, head_dim)}")

    no_cache = list(prompt)
    for _ in range(steps):
        logits, _ = run(no_cache, empty, 0)
        no_cache.append(int(np.argmax(logits[0, -1])))

    print(json.dumps({"tokens": tokens, "tokens_without_cache": no_cache, "inputs": input_names,
                      "outputs": output_names, "opset": opset, "metadata": metadata,
                      "ort_version": ort.__version__}))


if __name__ == "__main__":
    main()
