#!/usr/bin/env python3
"""Makes the golden LlamaForCausalLM fixtures that LlamaParityTest (training) compares against.

  make_llama_fixture.py OUT_DIR

For each fixture (tiny-gqa: grouped-query attention, untied head, default rope; tiny-tied-llama3:
tied embeddings, llama3 rope scaling) writes OUT_DIR/NAME/ with the checkpoint exactly as
transformers saves it (config.json, model.safetensors, generation_config.json) and expected.safetensors:
  input_ids  int64 [2, 24]  fixed random ids
  logits     f32   [2, 24, vocab]  from the eager float32 forward
  prompt     int64 [1, 7]   a prompt
  greedy     int64 [1, 7 + 12]  model.generate(prompt, do_sample=False, max_new_tokens=12), KV cache on
Run once with torch + transformers installed (not needed by the tests); the outputs are committed.
"""
import os
import sys

import torch
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM

FIXTURES = {
    "tiny-gqa": dict(vocab_size=96, hidden_size=64, intermediate_size=112, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                     rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=False),
    "tiny-tied-llama3": dict(vocab_size=80, hidden_size=48, intermediate_size=96, num_hidden_layers=3,
                             num_attention_heads=3, num_key_value_heads=3, max_position_embeddings=64,
                             rms_norm_eps=1e-5, rope_theta=500000.0, tie_word_embeddings=True,
                             rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                           "high_freq_factor": 4.0, "original_max_position_embeddings": 16}),
}


def main(out_dir):
    for i, (name, cfg) in enumerate(FIXTURES.items()):
        torch.manual_seed(1234 + i)
        config = LlamaConfig(bos_token_id=1, eos_token_id=2, pad_token_id=0, attn_implementation="eager", **cfg)
        model = LlamaForCausalLM(config).eval()
        with torch.no_grad():  # widen the init so logits are not all near zero
            for p in model.parameters():
                if p.dim() == 2:
                    p.mul_(4.0)
        d = os.path.join(out_dir, name)
        model.save_pretrained(d, safe_serialization=True)
        g = torch.Generator().manual_seed(99 + i)
        ids = torch.randint(3, cfg["vocab_size"], (2, 24), generator=g)
        prompt = torch.randint(3, cfg["vocab_size"], (1, 7), generator=g)
        with torch.no_grad():
            logits = model(input_ids=ids).logits.float()
            greedy = model.generate(prompt, attention_mask=torch.ones_like(prompt), do_sample=False,
                                    max_new_tokens=12, min_new_tokens=12, eos_token_id=None, pad_token_id=0,
                                    use_cache=True)
        save_file({"input_ids": ids.contiguous(), "logits": logits.contiguous(), "prompt": prompt.contiguous(),
                   "greedy": greedy.contiguous()}, os.path.join(d, "expected.safetensors"))
        print(name, "logits", tuple(logits.shape), "greedy", greedy[0, 7:].tolist())


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
