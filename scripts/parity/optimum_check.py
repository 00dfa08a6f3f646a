"""Loads an exported ONNX directory in Hugging Face Optimum, as a user would, and generates greedily.

Usage: optimum_check.py MODEL_DIR REQUEST_JSON
REQUEST_JSON: {"prompts": [[ids...], ...], "max_new_tokens": N, "text": "..."}

ORTModelForCausalLM.from_pretrained(MODEL_DIR) with the KV cache on, then model.generate (greedy) on a left-padded
batch of the prompts (Optimum derives position_ids from the attention mask); AutoTokenizer.from_pretrained(MODEL_DIR)
encodes "text". Prints JSON: {"sequences": [[new tokens per prompt]], "use_cache": bool, "text_ids": [...],
"pad_token_id": N, "optimum": "...", "transformers": "..."}.
"""
import json
import sys

import optimum
import torch
import transformers
from optimum.onnxruntime import ORTModelForCausalLM
from transformers import AutoTokenizer


def main():
    model_dir, request_file = sys.argv[1], sys.argv[2]
    with open(request_file, encoding="utf-8") as f:
        req = json.load(f)
    model = ORTModelForCausalLM.from_pretrained(model_dir, use_cache=True, use_io_binding=False,
                                                provider="CPUExecutionProvider")
    prompts = req["prompts"]
    pad = model.config.pad_token_id if model.config.pad_token_id is not None else 0
    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), pad, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for i, p in enumerate(prompts):
        ids[i, width - len(p):] = torch.tensor(p)
        mask[i, width - len(p):] = 1
    out = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=int(req["max_new_tokens"]),
                         do_sample=False, num_beams=1, pad_token_id=pad)
    sequences = [row[width:].tolist() for row in out]

    tok = AutoTokenizer.from_pretrained(model_dir)
    text_ids = tok.encode(req["text"], add_special_tokens=False)
    print(json.dumps({"sequences": sequences, "use_cache": bool(model.use_cache), "text_ids": text_ids,
                      "pad_token_id": pad, "optimum": optimum.__version__ if hasattr(optimum, "__version__") else "?",
                      "transformers": transformers.__version__}))


if __name__ == "__main__":
    main()
