#!/usr/bin/env python3
"""Loads a checkpoint directory that LLMAgentOS saved into Hugging Face transformers and writes its logits.

  llama_check.py CHECKPOINT_DIR IDS_JSON OUT_SAFETENSORS

CHECKPOINT_DIR  an HF-layout checkpoint (config.json, model.safetensors), F32 or BF16 weights
IDS_JSON        a JSON file holding the input ids as a list of equal-length rows, [[1, 2, ...], ...]
                (or the JSON text itself when it starts with "[")
OUT_SAFETENSORS written with input_ids (int64 [batch, seq]) and logits (float32 [batch, seq, vocab])

The model loads with LlamaForCausalLM.from_pretrained(dir, attn_implementation="eager", float32) and runs
without an attention mask (every position attends causally to the ones before it). The load must be
exact: a missing, unexpected or mis-shaped tensor is an error here, because transformers would otherwise
fill it with fresh random values and the comparison would fail for a reason it does not name. Prints one
JSON line (versions, dtype on disk, shapes) on stdout. Needs torch, transformers and safetensors
(scripts/parity/setup_torch_venv.sh makes such a virtualenv).
"""
import json
import os
import sys

import torch
import transformers
from safetensors import safe_open
from safetensors.torch import save_file
from transformers import LlamaForCausalLM


def read_ids(arg):
    text = arg if arg.lstrip().startswith("[") else open(arg, encoding="utf-8").read()
    rows = json.loads(text)
    if not rows or not isinstance(rows, list) or not all(isinstance(r, list) and r for r in rows):
        sys.exit(f"{arg}: expected a non-empty list of non-empty lists of token ids")
    if len({len(r) for r in rows}) != 1:
        sys.exit(f"{arg}: rows have different lengths {sorted({len(r) for r in rows})}")
    return torch.tensor(rows, dtype=torch.int64)


def stored_dtypes(ckpt):
    with safe_open(os.path.join(ckpt, "model.safetensors"), framework="pt") as f:
        return sorted({str(f.get_slice(k).get_dtype()) for k in f.keys()})


def main(ckpt, ids_arg, out):
    torch.manual_seed(0)  # nothing should be random; if a tensor were initialised, make it reproducible
    ids = read_ids(ids_arg)
    model, info = LlamaForCausalLM.from_pretrained(ckpt, attn_implementation="eager", dtype=torch.float32,
                                                   output_loading_info=True)
    problems = {k: sorted(v) for k, v in info.items() if v and k in ("missing_keys", "unexpected_keys",
                                                                    "mismatched_keys", "error_msgs")}
    if problems:
        sys.exit(f"{ckpt}: transformers did not load the checkpoint exactly: {problems}")
    model.eval()
    vocab = model.config.vocab_size
    if int(ids.max()) >= vocab or int(ids.min()) < 0:
        sys.exit(f"{ids_arg}: ids must be in [0, {vocab}) (got {int(ids.min())}..{int(ids.max())})")
    with torch.no_grad():
        logits = model(input_ids=ids).logits.float()
    save_file({"input_ids": ids.contiguous(), "logits": logits.contiguous()}, out)
    tied = model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    print(json.dumps({"torch": torch.__version__, "transformers": transformers.__version__,
                      "stored_dtypes": stored_dtypes(ckpt), "logits_shape": list(logits.shape),
                      "tied_head": tied, "rope": getattr(model.config, "rope_parameters", None)}, default=str))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
