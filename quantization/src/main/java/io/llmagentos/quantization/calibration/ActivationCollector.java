package io.llmagentos.quantization.calibration;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.quantization.int8.QuantizationException;
import java.nio.FloatBuffer;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Runs an FP32 model in ONNX Runtime over a calibration set with chosen intermediate tensors exposed as
 * extra graph outputs, and hands each tensor's values to a {@link Sink}, one sequence at a time.
 */
public final class ActivationCollector implements AutoCloseable {
    /** Receives one tensor of one calibration sequence, row-major with {@code channels} values per row. */
    @FunctionalInterface
    public interface Sink {
        void accept(String tensor, float[] values, int channels);
    }

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final Set<String> requested;
    private final Set<String> fromInputs = new LinkedHashSet<>();

    /**
     * @param tensors FP32 tensors to observe (intermediate values, graph inputs or outputs)
     * @throws QuantizationException when a tensor is not in the graph or ORT cannot load the model
     */
    public ActivationCollector(ModelProto model, Collection<String> tensors, int threads) throws QuantizationException {
        GraphProto g = model.getGraph();
        Set<String> produced = new java.util.HashSet<>();
        g.getNodeList().forEach(n -> produced.addAll(n.getOutputList()));
        Set<String> inputs = new java.util.HashSet<>();
        g.getInputList().forEach(v -> inputs.add(v.getName()));
        Set<String> outputs = new java.util.HashSet<>();
        g.getOutputList().forEach(v -> outputs.add(v.getName()));
        GraphProto.Builder gb = g.toBuilder();
        requested = new LinkedHashSet<>();
        for (String t : tensors) {
            if (inputs.contains(t)) {
                fromInputs.add(t);
            } else if (produced.contains(t)) {
                requested.add(t);
                if (!outputs.contains(t)) {
                    gb.addOutput(ValueInfoProto.newBuilder().setName(t).setType(TypeProto.newBuilder().setTensorType(
                            TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()))));
                }
            } else {
                throw new QuantizationException("tensor \"" + t + "\" is not produced by any node of the model");
            }
        }
        session = OrtModels.session(model.toBuilder().setGraph(gb).build(), threads);
    }

    /** Runs every sequence of {@code set}, reporting one unit of progress per sequence. */
    public void run(CalibrationSet set, Sink sink, ProgressListener progress, String task) throws QuantizationException {
        try (ProgressListener.Progress p = progress.start(task, set.sequences().size(), "seqs")) {
            for (long[] ids : set.sequences()) {
                Map<String, OnnxTensor> feeds = DecoderFeeds.prefill(env, session.getInputInfo(), ids);
                try {
                    for (String t : fromInputs) {
                        emit(t, feeds.get(t), sink);
                    }
                    if (!requested.isEmpty()) {
                        try (OrtSession.Result r = session.run(feeds, requested)) {
                            for (Map.Entry<String, OnnxValue> e : r) {
                                emit(e.getKey(), (OnnxTensor) e.getValue(), sink);
                            }
                        }
                    }
                } finally {
                    DecoderFeeds.close(feeds);
                }
                p.advance(1);
            }
        } catch (OrtException e) {
            throw new QuantizationException("ONNX Runtime failed on calibration data from " + set.source() + ": "
                    + e.getMessage(), e);
        }
    }

    private static void emit(String name, OnnxTensor t, Sink sink) throws QuantizationException {
        if (t == null) {
            throw new QuantizationException("calibration cannot feed graph input \"" + name + "\"");
        }
        long[] shape = t.getInfo().getShape();
        int channels = shape.length == 0 ? 1 : (int) shape[shape.length - 1];
        FloatBuffer fb;
        try {
            fb = t.getFloatBuffer();
        } catch (IllegalStateException e) {
            throw new QuantizationException("tensor \"" + name + "\" is " + t.getInfo().type + ", not FLOAT");
        }
        if (fb == null) {
            throw new QuantizationException("tensor \"" + name + "\" is " + t.getInfo().type + ", not FLOAT");
        }
        float[] v = new float[fb.remaining()];
        fb.get(v);
        if (v.length > 0) {
            sink.accept(name, v, Math.max(1, channels));
        }
    }

    @Override
    public void close() throws QuantizationException {
        try {
            session.close();
        } catch (OrtException e) {
            throw new QuantizationException("closing the calibration session failed: " + e.getMessage(), e);
        }
    }
}
