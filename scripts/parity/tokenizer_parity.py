#!/usr/bin/env python3
"""Reference side of the tokenizer parity tests (TokenizerParityTest in core), using Python `tokenizers`.

  train CORPUS OUT_DIR VOCAB_SIZE STYLE
        Train a byte-level BPE tokenizer with Python tokenizers on the "text" fields of a JSONL(.gz)
        corpus (lines that are not valid UTF-8 or JSON are skipped) and save OUT_DIR/tokenizer.json.
        STYLE is gpt2 (ByteLevel pre-tokenizer with its regex) or llama3 (Split with the Llama 3
        regex, then ByteLevel without regex), as Hugging Face writes Llama 3's tokenizer.json.
  encode TOKENIZER_JSON TEXTS_JSONL OUT_JSONL
        For each line {"text": ...} of TEXTS_JSONL write {"ids": [...], "round_trip": bool} to
        OUT_JSONL: ids from encode(text, add_special_tokens=False), and whether decode(ids) == text.
        Prints a JSON summary (lines, tokens, vocab size).
  chat TOKENIZER_DIR CHATS_JSON
        Render each chat of CHATS_JSON ([[{"role", "content"}, ...], ...]) with the chat_template of
        TOKENIZER_DIR/tokenizer_config.json in a Jinja2 sandbox configured as transformers'
        apply_chat_template does (trim_blocks, lstrip_blocks), once with and once without the generation
        prompt; print the renderings as a JSON list of [with, without] pairs.
"""
import gzip
import json
import sys

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
          r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def corpus_texts(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        for raw in f:
            try:
                rec = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                continue
            if isinstance(rec, dict) and isinstance(rec.get("text"), str) and rec["text"]:
                yield rec["text"]


def train(corpus, out_dir, vocab_size, style):
    tok = Tokenizer(models.BPE())
    if style == "gpt2":
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    elif style == "llama3":
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(LLAMA3), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
    else:
        raise SystemExit(f"unknown style {style!r}: use gpt2 or llama3")
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=int(vocab_size), min_frequency=2, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    texts = list(corpus_texts(corpus))
    tok.train_from_iterator(texts, trainer=trainer)
    import os
    os.makedirs(out_dir, exist_ok=True)
    tok.save(os.path.join(out_dir, "tokenizer.json"))
    print(json.dumps({"documents": len(texts), "vocab_size": tok.get_vocab_size()}))


def encode(tokenizer_json, texts_jsonl, out_jsonl):
    tok = Tokenizer.from_file(tokenizer_json)
    with open(texts_jsonl, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    encs = tok.encode_batch(texts, add_special_tokens=False)
    n_tokens = 0
    with open(out_jsonl, "w", encoding="utf-8") as out:
        for text, enc in zip(texts, encs):
            n_tokens += len(enc.ids)
            back = tok.decode(enc.ids, skip_special_tokens=False)
            out.write(json.dumps({"ids": enc.ids, "round_trip": back == text}) + "\n")
    print(json.dumps({"lines": len(texts), "tokens": n_tokens, "vocab_size": tok.get_vocab_size()}))


def chat(tokenizer_dir, chats_json):
    import os
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    with open(os.path.join(tokenizer_dir, "tokenizer_config.json"), encoding="utf-8") as f:
        template = json.load(f)["chat_template"]
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    compiled = env.from_string(template)
    with open(chats_json, encoding="utf-8") as f:
        chats = json.load(f)
    print(json.dumps([[compiled.render(messages=c, add_generation_prompt=g) for g in (True, False)] for c in chats]))


def main(argv):
    if len(argv) >= 2 and argv[1] == "train" and len(argv) == 6:
        train(*argv[2:])
    elif len(argv) >= 2 and argv[1] == "encode" and len(argv) == 5:
        encode(*argv[2:])
    elif len(argv) >= 2 and argv[1] == "chat" and len(argv) == 4:
        chat(*argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
