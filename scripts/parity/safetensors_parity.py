#!/usr/bin/env python3
"""Reference side of the safetensors parity tests (SafetensorsParityTest in core).

  digest FILE   Load FILE with Python safetensors and print a JSON digest of what it holds:
                metadata, and per tensor the dtype, shape, offsets and the sha256 of its bytes as the
                Rust reader (safetensors.deserialize) and safetensors.numpy see them; the sha256 of
                the file that safetensors.serialize writes for the same tensors and metadata; and,
                when FILE holds the tensors rounding.src (F32), rounding.f16 and rounding.bf16, how
                many of our F16/BF16 roundings differ from numpy's and from an exact reference.
  write DIR     Write files with Python safetensors (numpy save_file, and serialize for dtypes numpy
                lacks) into DIR, plus DIR/expected.safetensors holding every tensor's values widened
                to float32 or int64 by numpy; print a JSON manifest of what was written.
"""
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import safetensors
from safetensors import deserialize, safe_open, serialize
from safetensors.numpy import save_file

TensorSpec = safetensors._safetensors_rust.TensorSpec


def sha(b):
    return hashlib.sha256(bytes(b)).hexdigest()


def header_offsets(path):
    raw = Path(path).read_bytes()
    n = int.from_bytes(raw[:8], "little")
    return json.loads(raw[8:8 + n].decode("utf-8")), raw


def bf16_reference(x32):
    """Nearest bfloat16 (ties to even) chosen by exact float64 distance, not by bit tricks."""
    bits = x32.view(np.uint32)
    lo = (bits >> 16).astype(np.uint32)
    hi = lo + 1
    vlo = (lo << 16).view(np.float32).astype(np.float64)
    vhi = (hi << 16).astype(np.uint32).view(np.float32).astype(np.float64)
    # one step past the largest finite value: measure against 2^128 so ties and overflow go to infinity
    top = (hi & 0x7FFF) == 0x7F80
    vhi = np.where(top, np.where(hi & 0x8000, -(2.0 ** 128), 2.0 ** 128), vhi)
    x = x32.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        dlo = np.abs(x - vlo)
        dhi = np.abs(vhi - x)
    pick_hi = (dhi < dlo) | ((dhi == dlo) & (lo % 2 == 1))
    out = np.where(pick_hi, hi, lo).astype(np.uint16)
    out = np.where(np.isnan(x32), np.uint16(0x7FC0), out)
    return out


def digest(path):
    header, raw = header_offsets(path)
    metadata = header.get("__metadata__")
    rust = {name: t for name, t in deserialize(raw)}
    tensors = []
    with safe_open(path, framework="np") as f:
        file_meta = f.metadata()
        for name in f.keys():
            sl = f.get_slice(name)
            entry = {
                "name": name,
                "dtype": sl.get_dtype(),
                "shape": list(sl.get_shape()),
                "data_offsets": header[name]["data_offsets"],
                "sha256": sha(rust[name]["data"]),
            }
            try:
                arr = f.get_tensor(name)
                entry["numpy_dtype"] = str(arr.dtype)
                entry["numpy_shape"] = list(arr.shape)
                entry["numpy_sha256"] = sha(np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes())
            except (TypeError, ValueError, AttributeError) as e:  # numpy has no bfloat16 / float8
                entry["numpy_unsupported"] = str(e)
            tensors.append(entry)
    order = [name for name, _ in sorted(((n, header[n]["data_offsets"]) for n in rust), key=lambda p: (p[1], p[0]))]
    specs = {}
    keep = []
    for name in order:
        t = rust[name]
        buf = np.frombuffer(bytes(t["data"]), dtype=np.uint8) if len(t["data"]) else np.zeros(1, np.uint8)
        keep.append(buf)
        specs[name] = TensorSpec(dtype=_torch_name(t["dtype"]), shape=list(t["shape"]),
                                 data_ptr=buf.ctypes.data, data_len=len(t["data"]))
    reserialized = bytes(serialize(specs, metadata=file_meta))
    out = {
        "metadata": metadata,
        "safe_open_metadata": file_meta,
        "tensors": tensors,
        "file_sha256": sha(raw),
        "reserialized_sha256": sha(reserialized),
        "safetensors_version": safetensors.__version__,
    }
    if {"rounding.src", "rounding.f16", "rounding.bf16"} <= set(rust):
        src = np.frombuffer(bytes(rust["rounding.src"]["data"]), dtype="<f4")
        ours16 = np.frombuffer(bytes(rust["rounding.f16"]["data"]), dtype="<u2")
        ours_bf = np.frombuffer(bytes(rust["rounding.bf16"]["data"]), dtype="<u2")
        np16 = src.astype(np.float16).view(np.uint16)
        nan = np.isnan(src)
        # NaN payloads differ between libraries; any NaN is a match for a NaN input
        ours16_nan = ((ours16 & 0x7C00) == 0x7C00) & ((ours16 & 0x03FF) != 0)
        bad16 = np.where(nan, ~ours16_nan, ours16 != np16)
        ref_bf = bf16_reference(src)
        bad_bf = ours_bf != ref_bf
        out["rounding"] = {
            "count": int(src.size),
            "f16_mismatches_vs_numpy": int(bad16.sum()),
            "bf16_mismatches_vs_reference": int(bad_bf.sum()),
            "first_f16_mismatch": _first(src, bad16, ours16, np16),
            "first_bf16_mismatch": _first(src, bad_bf, ours_bf, ref_bf),
        }
    return out


def _first(src, bad, ours, ref):
    idx = np.flatnonzero(bad)
    if idx.size == 0:
        return None
    i = int(idx[0])
    return {"index": i, "input_bits": hex(int(src.view(np.uint32)[i])), "ours": hex(int(ours[i])),
            "reference": hex(int(ref[i]))}


_TORCH_NAMES = {
    "BOOL": "bool", "U8": "uint8", "I8": "int8", "I16": "int16", "U16": "uint16", "F16": "float16",
    "BF16": "bfloat16", "I32": "int32", "U32": "uint32", "F32": "float32", "F64": "float64", "I64": "int64",
    "U64": "uint64", "F8_E4M3": "float8_e4m3fn", "F8_E5M2": "float8_e5m2", "F8_E8M0": "float8_e8m0fnu",
    "F8_E4M3FNUZ": "float8_e4m3fnuz", "F8_E5M2FNUZ": "float8_e5m2fnuz", "C64": "complex64",
}


def _torch_name(st):
    return _TORCH_NAMES[st]


def _e4m3_to_f32(b):
    b = b.astype(np.int64)
    sign = np.where(b & 0x80, -1.0, 1.0)
    e = (b >> 3) & 0xF
    m = b & 0x7
    v = np.where(e == 0, m / 8.0 * 2.0 ** -6, (1 + m / 8.0) * 2.0 ** (e - 7))
    v = sign * v
    v = np.where((b & 0x7F) == 0x7F, np.nan, v)
    return v.astype(np.float32)


def write(outdir):
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20240601)
    special32 = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 1.17549435e-38,
                          3.4028235e38, -3.4028235e38, 65504.0, 65520.0, 6.1e-5, 5.96e-8], dtype=np.float32)
    tensors = {
        "model.embed_tokens.weight": rng.standard_normal((7, 5)).astype(np.float32),
        "model.layers.0.self_attn.q_proj.weight": rng.standard_normal((4, 3, 2)).astype(np.float16),
        "special.f32": special32,
        "special.f16": np.arange(0, 65536, dtype=np.uint32).astype(np.uint16).view(np.float16),
        "scalar.f64": np.array(3.141592653589793, dtype=np.float64),
        "empty.f32": np.zeros((0, 4), dtype=np.float32),
        "empty.i64": np.zeros((3, 0), dtype=np.int64),
        "bool": np.array([True, False, True, True]),
        "u8": np.arange(0, 256, dtype=np.uint8),
        "i8": np.arange(-128, 128, dtype=np.int8).reshape(16, 16),
        "i16": np.array([-32768, -1, 0, 1, 32767], dtype=np.int16),
        "u16": np.array([0, 1, 65535], dtype=np.uint16),
        "i32": rng.integers(-2**31, 2**31, size=(3, 3), dtype=np.int32),
        "u32": np.array([0, 1, 2**32 - 1], dtype=np.uint32),
        "i64": np.array([-2**63, -1, 0, 2**63 - 1], dtype=np.int64),
        "u64": np.array([0, 1, 2**63, 2**64 - 1], dtype=np.uint64),
        "f64": rng.standard_normal(6),
        "ünïcödé.名前.🙂": np.array([1.5, -2.25], dtype=np.float32),
    }
    save_file(tensors, outdir / "numpy_all.safetensors", metadata={"format": "np", "note": "ünïcode ✓"})

    expected = {}
    for name, a in tensors.items():
        if a.dtype.kind == "f":
            expected[name] = a.astype(np.float32).reshape(-1)
        else:
            expected[name] = a.astype(np.uint64).view(np.int64).reshape(-1) if a.dtype == np.uint64 \
                else a.astype(np.int64).reshape(-1)

    # dtypes numpy has no type for, written through the raw serializer
    raw = {
        "bf16.all_bits": ("bfloat16", [65536], np.arange(0, 65536, dtype=np.uint32).astype("<u2")),
        "bf16.matrix": ("bfloat16", [3, 4], rng.integers(0, 65536, size=12).astype("<u2")),
        "f8_e4m3.all_bits": ("float8_e4m3fn", [256], np.arange(256, dtype=np.uint8)),
        "f8_e5m2.all_bits": ("float8_e5m2", [16, 16], np.arange(256, dtype=np.uint8)),
        "f8_e8m0.all_bits": ("float8_e8m0fnu", [256], np.arange(256, dtype=np.uint8)),
        "f8_e4m3fnuz.raw": ("float8_e4m3fnuz", [4], np.array([0, 1, 0x80, 0xFF], dtype=np.uint8)),
        "c64": ("complex64", [2], np.array([1 + 2j, -3.5 + 0.25j], dtype="<c8")),
        "f32": ("float32", [2], np.array([0.5, -7.0], dtype="<f4")),
    }
    specs = {name: TensorSpec(dtype=dt, shape=shape, data_ptr=a.ctypes.data, data_len=a.nbytes)
             for name, (dt, shape, a) in raw.items()}
    (outdir / "raw_dtypes.safetensors").write_bytes(bytes(serialize(specs, metadata=None)))
    bf = raw["bf16.all_bits"][2].astype(np.uint32)
    expected["bf16.all_bits"] = (bf << 16).view(np.float32)
    expected["bf16.matrix"] = (raw["bf16.matrix"][2].astype(np.uint32) << 16).view(np.float32)
    b8 = np.arange(256, dtype=np.uint8)
    expected["f8_e4m3.all_bits"] = _e4m3_to_f32(b8)
    expected["f8_e5m2.all_bits"] = (b8.astype(np.uint16) << 8).view(np.float16).astype(np.float32)
    with np.errstate(over="ignore"):
        e8 = (2.0 ** (b8.astype(np.float64) - 127)).astype(np.float32)
    expected["f8_e8m0.all_bits"] = np.where(b8 == 255, np.float32(np.nan), e8).astype(np.float32)
    expected["f32"] = raw["f32"][2]
    save_file({k: np.ascontiguousarray(v) for k, v in expected.items()}, outdir / "expected.safetensors")

    manifest = {}
    for fname in ["numpy_all.safetensors", "raw_dtypes.safetensors"]:
        manifest[fname] = digest(str(outdir / fname))
    return manifest


def main(argv):
    if len(argv) == 3 and argv[1] == "digest":
        result = digest(argv[2])
    elif len(argv) == 3 and argv[1] == "write":
        result = write(argv[2])
    else:
        sys.exit(__doc__)
    json.dump(result, sys.stdout, ensure_ascii=True, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)
