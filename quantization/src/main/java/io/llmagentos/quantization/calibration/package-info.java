/**
 * Static INT8 calibration: the calibration set ({@link io.llmagentos.quantization.calibration.CalibrationSet}),
 * running the FP32 model in ONNX Runtime with intermediate activations exposed
 * ({@link io.llmagentos.quantization.calibration.ActivationCollector}), statistics computed with ND4J
 * ({@link io.llmagentos.quantization.calibration.TensorStats},
 * {@link io.llmagentos.quantization.calibration.AbsHistogram}), the MinMax / Percentile / Entropy (KL)
 * threshold methods ({@link io.llmagentos.quantization.calibration.Thresholds}, each with a plain-Java
 * reference), the passes that tie them together ({@link io.llmagentos.quantization.calibration.Calibrator})
 * and SmoothQuant ({@link io.llmagentos.quantization.calibration.SmoothQuant}).
 */
package io.llmagentos.quantization.calibration;
