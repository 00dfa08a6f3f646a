package io.llmagentos.quantization.calibration;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import io.llmagentos.quantization.int8.QuantizationException;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Inputs of one prefill step of a decoder with the Hugging Face Optimum I/O names, for a batch of one
 * sequence: {@code input_ids [1, S]}, {@code attention_mask [1, S]} (ones), {@code position_ids [1, S]}
 * ({@code 0 … S-1}) and empty caches {@code past_key_values.N.key|value [1, kv_heads, 0, head_dim]}.
 * Inputs the model does not declare are left out; an input it declares that is none of these is an error.
 */
public final class DecoderFeeds {
    private DecoderFeeds() {
    }

    /** The feeds; the caller closes every tensor (see {@link #close}). */
    public static Map<String, OnnxTensor> prefill(OrtEnvironment env, Map<String, NodeInfo> inputs, long[] ids)
            throws OrtException, QuantizationException {
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        try {
            int s = ids.length;
            for (Map.Entry<String, NodeInfo> e : inputs.entrySet()) {
                String name = e.getKey();
                if (!(e.getValue().getInfo() instanceof TensorInfo ti)) {
                    throw new QuantizationException("model input \"" + name + "\" is not a tensor");
                }
                long[] seq = new long[s];
                switch (name) {
                    case "input_ids" -> feeds.put(name, ints(env, ti, ids));
                    case "attention_mask" -> {
                        java.util.Arrays.fill(seq, 1L);
                        feeds.put(name, ints(env, ti, seq));
                    }
                    case "position_ids" -> {
                        for (int i = 0; i < s; i++) {
                            seq[i] = i;
                        }
                        feeds.put(name, ints(env, ti, seq));
                    }
                    default -> {
                        if (!name.startsWith("past_key_values.") || ti.type != OnnxJavaType.FLOAT) {
                            throw new QuantizationException("model input \"" + name + "\" is not one of the decoder inputs "
                                    + "calibration feeds (input_ids, attention_mask, position_ids, past_key_values.N.key|value)");
                        }
                        long[] shape = ti.getShape().clone();
                        if (shape.length != 4 || shape[1] < 0 || shape[3] < 0) {
                            throw new QuantizationException("model input \"" + name + "\" has shape "
                                    + java.util.Arrays.toString(shape) + "; expected [batch, kv_heads, past, head_dim]");
                        }
                        shape[0] = 1;
                        shape[2] = 0;
                        feeds.put(name, OnnxTensor.createTensor(env, FloatBuffer.allocate(0), shape));
                    }
                }
            }
            return feeds;
        } catch (OrtException | QuantizationException | RuntimeException e) {
            close(feeds);
            throw e;
        }
    }

    private static OnnxTensor ints(OrtEnvironment env, TensorInfo ti, long[] v) throws OrtException, QuantizationException {
        long[] shape = {1, v.length};
        if (ti.type == OnnxJavaType.INT64) {
            return OnnxTensor.createTensor(env, LongBuffer.wrap(v), shape);
        }
        if (ti.type == OnnxJavaType.INT32) {
            int[] w = new int[v.length];
            for (int i = 0; i < v.length; i++) {
                w[i] = (int) v[i];
            }
            return OnnxTensor.createTensor(env, IntBuffer.wrap(w), shape);
        }
        throw new QuantizationException("decoder input of type " + ti.type + " is not int64 or int32");
    }

    public static void close(Map<String, OnnxTensor> feeds) {
        feeds.values().forEach(OnnxTensor::close);
    }
}
