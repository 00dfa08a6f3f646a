/**
 * ONNX export with a KV cache ({@code export}), running exported models in ONNX Runtime ({@code runtime}), and INT8
 * quantization with calibration.
 */
package io.llmagentos.quantization;
