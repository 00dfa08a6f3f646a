#!/usr/bin/env python3
"""Copies JSONL files keeping only lines that are valid UTF-8 JSON objects with a string "text".

  dataprep_clean_copy.py SRC_DIR DST_DIR [PARTS]

datatrove's JsonlReader stops reading a file at its first invalid UTF-8 byte ("File may be corrupted"), so the
data-prep benchmark gives both sides this copy, in which every line is a document both can read. Prints the
counts of lines kept and dropped as one JSON line. The copy is cut into PARTS files of about equal size (default 8),
in input order, because datatrove runs one task per file: with fewer files than workers, its workers sit idle.
"""
import json
import os
import sys


def main(src, dst, parts=8):
    parts = int(parts)
    os.makedirs(dst, exist_ok=True)
    names = sorted(n for n in os.listdir(src) if n.endswith(".jsonl"))
    budget = sum(os.path.getsize(os.path.join(src, n)) for n in names) / parts
    kept = dropped = written = part = 0
    fout = open(os.path.join(dst, "part-%05d.jsonl" % part), "wb")
    for name in names:
        with open(os.path.join(src, name), "rb") as fin:
            for raw in fin:
                try:
                    rec = json.loads(raw.decode("utf-8"))
                    ok = isinstance(rec, dict) and isinstance(rec.get("text"), str)
                except (UnicodeDecodeError, ValueError):
                    ok = False
                if not ok:
                    dropped += 1
                    continue
                if written >= budget * (part + 1) and part < parts - 1:
                    fout.close()
                    part += 1
                    fout = open(os.path.join(dst, "part-%05d.jsonl" % part), "wb")
                fout.write(raw if raw.endswith(b"\n") else raw + b"\n")
                written += len(raw)
                kept += 1
    fout.close()
    print(json.dumps({"kept_lines": kept, "dropped_lines": dropped, "files": part + 1}))


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(*sys.argv[1:])
