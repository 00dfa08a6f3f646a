/**
 * The serving runtime: ONNX Runtime generation, the OpenAI-compatible API and edge distribution. Depends on core, ONNX Runtime and an HTTP server only, never on Spark or DJL. Filled by the serving issue.
 */
package io.llmagentos.serving;
