"""ONNX Runtime's own Python quantizer on the FP32 model the Java side quantizes, for QuantizeBench.

Usage: quantize_peer.py REQUEST_JSON
REQUEST_JSON: {"fp32": "DIR/model.onnx", "out": "OUT/model.onnx", "mode": "dynamic" | "static",
               "calibrate": "minmax" | "entropy" | "percentile", "per_channel": true,
               "calibration": [[ids...], ...]}   # the token sequences the Java calibration ran on
Prints one JSON line: {"seconds": wall time of the quantize call, "onnxruntime": version}.

Static quantization: QDQ, uint8 activations (ONNX Runtime's fast kernels; int8 activations are its default
since 1.17), int8 weights, the per_channel flag of the request, and op types MatMul and Gather (the ops we
quantize; its default list also takes Softmax, whose input holds the attention mask's -3.4e38, which breaks its
entropy histogram with "Too many bins for data range").
The calibration reader feeds each sequence the way the Java calibration does: input_ids [1, S],
attention_mask of ones, position_ids 0..S-1, and empty past_key_values [1, kv_heads, 0, head_dim].
"""
import json
import sys
import time

import numpy as np
import onnx
import onnxruntime
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                      quantize_dynamic, quantize_static)


class Reader(CalibrationDataReader):
    def __init__(self, model_path, sequences):
        model = onnx.load(model_path, load_external_data=False)
        self.inputs = {}
        for i in model.graph.input:
            dims = [d.dim_value if d.HasField("dim_value") else -1 for d in i.type.tensor_type.shape.dim]
            self.inputs[i.name] = dims
        self.sequences = sequences
        self.pos = 0

    def get_next(self):
        if self.pos >= len(self.sequences):
            return None
        ids = np.array([self.sequences[self.pos]], dtype=np.int64)
        self.pos += 1
        s = ids.shape[1]
        feed = {}
        for name, dims in self.inputs.items():
            if name == "input_ids":
                feed[name] = ids
            elif name == "attention_mask":
                feed[name] = np.ones((1, s), dtype=np.int64)
            elif name == "position_ids":
                feed[name] = np.arange(s, dtype=np.int64).reshape(1, s)
            elif name.startswith("past_key_values."):
                feed[name] = np.zeros((1, dims[1], 0, dims[3]), dtype=np.float32)
            else:
                raise SystemExit("no feed for model input " + name)
        return feed

    def rewind(self):
        self.pos = 0


def main():
    req = json.load(open(sys.argv[1]))
    t0 = time.perf_counter()
    if req["mode"] == "dynamic":
        quantize_dynamic(req["fp32"], req["out"], per_channel=req["per_channel"], weight_type=QuantType.QInt8)
    elif req["mode"] == "nbits":
        # ORT's blockwise weight-only quantizer into MatMulNBits: 8 bits, symmetric blocks of 128, int8 compute
        from onnxruntime.quantization import matmul_nbits_quantizer as mnb
        model = onnx.load(req["fp32"])
        cfg = mnb.DefaultWeightOnlyQuantConfig(block_size=128, is_symmetric=True, accuracy_level=4,
                                               quant_format=QuantFormat.QOperator, bits=8)
        q = mnb.MatMulNBitsQuantizer(model, block_size=128, is_symmetric=True, accuracy_level=4, algo_config=cfg)
        q.process()
        onnx.save(q.model.model, req["out"])
    else:
        method = {"minmax": CalibrationMethod.MinMax, "entropy": CalibrationMethod.Entropy,
                  "percentile": CalibrationMethod.Percentile}[req["calibrate"]]
        quantize_static(req["fp32"], req["out"], Reader(req["fp32"], req["calibration"]),
                        quant_format=QuantFormat.QDQ, per_channel=req["per_channel"],
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, calibrate_method=method,
                        op_types_to_quantize=["MatMul", "Gather"])
    print(json.dumps({"seconds": time.perf_counter() - t0, "onnxruntime": onnxruntime.__version__}))


if __name__ == "__main__":
    main()
