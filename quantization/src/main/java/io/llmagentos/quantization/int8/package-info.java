/**
 * INT8 quantization of ONNX models, written from Java on the ONNX protobuf classes: the quantization
 * formulas ({@link io.llmagentos.quantization.int8.QuantMath}), symmetric per-channel / per-tensor weight
 * quantization ({@link io.llmagentos.quantization.int8.WeightQuantizer}), dynamic quantization
 * ({@link io.llmagentos.quantization.int8.DynamicQuantizer}: DynamicQuantizeLinear + MatMulInteger), static
 * QDQ quantization from calibrated activation ranges ({@link io.llmagentos.quantization.int8.StaticQuantizer}),
 * exclusion patterns ({@link io.llmagentos.quantization.int8.Exclusions}) and ONNX file I/O with external data
 * ({@link io.llmagentos.quantization.int8.OnnxModelFile}). Calibration lives in
 * {@code io.llmagentos.quantization.calibration}.
 */
package io.llmagentos.quantization.int8;
