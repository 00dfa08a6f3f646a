/**
 * ONNX export with a KV cache and INT8 quantization with calibration. Filled by the ONNX/INT8 issue.
 */
package io.llmagentos.quantization;
