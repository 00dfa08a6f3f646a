/**
 * Checkpoint → ONNX export: {@link io.llmagentos.quantization.export.OnnxExporter} writes an FP32 decoder with a
 * KV cache and Hugging Face Optimum's I/O names, checks it in ONNX Runtime against the checkpoint, and records
 * its lineage.
 */
package io.llmagentos.quantization.export;
