/**
 * Reading and writing the safetensors format (https://huggingface.co/docs/safetensors), byte-compatible
 * with Python {@code safetensors} 0.8.
 *
 * <p>File layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON (padded with
 * spaces), then the data section. The JSON maps each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the data section) and
 * may hold {@code "__metadata__"}, a string-to-string map. Tensors must tile the data section with no
 * overlap and no hole.
 *
 * <p>{@link io.llmagentos.core.safetensors.SafetensorsFile} maps and validates a file,
 * {@link io.llmagentos.core.safetensors.SafetensorsWriter} streams one out atomically,
 * {@link io.llmagentos.core.safetensors.Half} converts F16/BF16.
 */
package io.llmagentos.core.safetensors;
