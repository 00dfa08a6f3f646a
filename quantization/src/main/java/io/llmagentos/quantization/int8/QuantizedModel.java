package io.llmagentos.quantization.int8;

import ai.onnx.proto.OnnxMl.ModelProto;

/** A quantized ONNX model and the report of what was done to it. */
public record QuantizedModel(ModelProto model, QuantizationReport report) {
}
