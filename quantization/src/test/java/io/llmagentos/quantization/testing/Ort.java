package io.llmagentos.quantization.testing;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Map;

/** Runs test models in ONNX Runtime (CPU provider). */
public final class Ort implements AutoCloseable {
    public static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    public Ort(ModelProto model, int threads) throws OrtException {
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(threads);
            so.setInterOpNumThreads(1);
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = ENV.createSession(model.toByteArray(), so);
        }
    }

    public Ort(ModelProto model) throws OrtException {
        this(model, 1);
    }

    public OrtSession session() {
        return session;
    }

    /** Logits of a TinyLm-style model ({@code input_ids [b, s]} → {@code logits [b, s, V]}), flattened. */
    public float[] logits(long[] ids, int batch) throws OrtException {
        try (OnnxTensor t = OnnxTensor.createTensor(ENV, LongBuffer.wrap(ids), new long[] {batch, ids.length / batch});
             OrtSession.Result r = session.run(Map.of("input_ids", t))) {
            FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] out = new float[fb.remaining()];
            fb.get(out);
            return out;
        }
    }

    /** One float input {@code x} → the first output, flattened. */
    public float[] run(String input, float[] x, long... shape) throws OrtException {
        try (OnnxTensor t = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x), shape);
             OrtSession.Result r = session.run(Map.of(input, t))) {
            FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] out = new float[fb.remaining()];
            fb.get(out);
            return out;
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
