#!/usr/bin/env python3
"""Loads a LoRA adapter that LLMAgentOS wrote into Hugging Face PEFT and checks it against our merged model.

  peft_check.py BASE_DIR ADAPTER_DIR MERGED_DIR IDS_JSON OUT_SAFETENSORS

BASE_DIR        the base checkpoint the adapter was trained on (HF layout)
ADAPTER_DIR     adapter_config.json + adapter_model.safetensors in PEFT's layout
MERGED_DIR      our merged checkpoint (W + alpha/r * B A), F32
IDS_JSON        input ids as a JSON list of equal-length rows
OUT_SAFETENSORS written with logits (float32 [batch, seq, vocab]) of base + adapter as PEFT runs it

PeftModel.from_pretrained must load every adapter tensor (a missing or unexpected key is an error here,
since PEFT would otherwise leave a fresh, zero-effect adapter in place and the check would prove nothing),
and must find LoRA layers on exactly the adapter_config's target modules. After the forward pass,
merge_and_unload() gives PEFT's own merge; its largest absolute difference from MERGED_DIR's tensors is
printed with versions and counts as one JSON line on stdout.
"""
import json
import os
import sys

import peft
import torch
import transformers
from peft import PeftModel
from safetensors import safe_open
from safetensors.torch import save_file
from transformers import LlamaForCausalLM


def main(base, adapter, merged, ids_arg, out):
    torch.manual_seed(0)
    rows = json.loads(open(ids_arg, encoding="utf-8").read())
    ids = torch.tensor(rows, dtype=torch.int64)
    model = LlamaForCausalLM.from_pretrained(base, attn_implementation="eager", dtype=torch.float32)
    with safe_open(os.path.join(adapter, "adapter_model.safetensors"), framework="pt") as f:
        stored = set(f.keys())
    lora = PeftModel.from_pretrained(model, adapter, is_trainable=False)
    lora.eval()
    loaded = {k for k, _ in lora.named_parameters() if "lora_" in k}
    # PEFT's parameter names carry the adapter name ("...lora_A.default.weight"); the file's do not.
    loaded_plain = {k.replace(".default.", ".") for k in loaded}
    if loaded_plain != stored:
        sys.exit(f"{adapter}: PEFT's LoRA parameters {sorted(loaded_plain ^ stored)[:6]} differ from the file's")
    with torch.no_grad():
        for name, p in lora.named_parameters():
            if "lora_" in name:
                with safe_open(os.path.join(adapter, "adapter_model.safetensors"), framework="pt") as f:
                    want = f.get_tensor(name.replace(".default.", "."))
                if not torch.equal(p.detach().float(), want.float()):
                    sys.exit(f"{adapter}: {name} did not load with the file's values")
        logits = lora(input_ids=ids).logits.float()
        merged_model = lora.merge_and_unload()
        state = merged_model.state_dict()
    worst = 0.0
    compared = 0
    with safe_open(os.path.join(merged, "model.safetensors"), framework="pt") as f:
        for k in f.keys():
            if k not in state:
                sys.exit(f"{merged}: tensor {k} is not in PEFT's merged model")
            worst = max(worst, float((state[k].float() - f.get_tensor(k).float()).abs().max()))
            compared += 1
    save_file({"logits": logits.contiguous()}, out)
    targets = sorted({k.split(".")[-3] for k in stored})
    print(json.dumps({"torch": torch.__version__, "transformers": transformers.__version__,
                      "peft": peft.__version__, "adapter_tensors": len(stored), "targets": targets,
                      "merged_tensors_compared": compared, "merged_max_abs_diff": worst,
                      "logits_shape": list(logits.shape)}))


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    main(*sys.argv[1:])
