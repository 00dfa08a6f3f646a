/**
 * Running exported models with ONNX Runtime Java: {@link io.llmagentos.quantization.runtime.OrtCausalLm} (forward
 * with or without the KV cache, greedy generation, log-likelihood and perplexity).
 */
package io.llmagentos.quantization.runtime;
