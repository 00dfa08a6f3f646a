package io.llmagentos.serving.engine;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The KV cache of a batch of sequences: per layer a key and a value tensor
 * [rows, kv_heads, length, head_dim]. Sequences of different lengths share it left-padded: row r's first
 * {@code pad[r]} positions are zeros that the attention mask hides. It owns its native memory: either the
 * {@link OrtSession.Result} whose {@code present.*} outputs it is, or tensors it made (a gather or an empty
 * cache); {@link #close()} frees them.
 */
final class KvBatch implements AutoCloseable {
    private final OnnxLm lm;
    private final OnnxTensor[] keys;    // per layer: [rows, kv_heads, length, head_dim]
    private final OnnxTensor[] values;  // per layer: [rows, kv_heads, length, head_dim]
    private final int rows;
    private final int length;
    private final OrtSession.Result owner;
    private boolean closed;

    KvBatch(OnnxLm lm, OnnxTensor[] keys, OnnxTensor[] values, int rows, int length, OrtSession.Result owner) {
        this.lm = lm;
        this.keys = keys;
        this.values = values;
        this.rows = rows;
        this.length = length;
        this.owner = owner;
    }

    int rows() {
        return rows;
    }

    /** Positions per row, padding included. */
    int length() {
        return length;
    }

    OnnxTensor key(int layer) {
        return keys[layer];
    }

    OnnxTensor value(int layer) {
        return values[layer];
    }

    /** One row of a source batch, whose first {@code pad} positions are padding. */
    record Row(KvBatch source, int row, int pad) {
        int realLength() {
            return source.length - pad;
        }
    }

    /**
     * A new batch holding {@code rows} in order, left-padded to the longest one's real length (so padding
     * that every row shares is dropped). Row i's padding in the result is {@code length - rows[i].realLength()}.
     */
    static KvBatch gather(OnnxLm lm, List<Row> rows) throws OrtException {
        int n = rows.size();
        int len = 0;
        for (Row r : rows) {
            len = Math.max(len, r.realLength());
        }
        int heads = lm.kvHeads();
        int dim = lm.headDim();
        OnnxTensor[] k = new OnnxTensor[lm.layers()];
        OnnxTensor[] v = new OnnxTensor[lm.layers()];
        try {
            for (int layer = 0; layer < lm.layers(); layer++) {
                k[layer] = gatherOne(lm, rows, layer, true, n, len, heads, dim);
                v[layer] = gatherOne(lm, rows, layer, false, n, len, heads, dim);
            }
        } catch (OrtException | RuntimeException e) {
            closeAll(k);
            closeAll(v);
            throw e;
        }
        return new KvBatch(lm, k, v, n, len, null);
    }

    private static OnnxTensor gatherOne(OnnxLm lm, List<Row> rows, int layer, boolean key, int n, int len, int heads,
            int dim) throws OrtException {
        FloatBuffer dst = ByteBuffer.allocateDirect(Math.multiplyExact(Math.multiplyExact(n, heads),
                Math.multiplyExact(len, dim)) * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        Map<KvBatch, FloatBuffer> read = new IdentityHashMap<>();
        for (int i = 0; i < n; i++) {
            Row r = rows.get(i);
            KvBatch s = r.source;
            FloatBuffer src = read.computeIfAbsent(s, b -> (key ? b.keys[layer] : b.values[layer]).getFloatBuffer());
            int real = r.realLength();
            int newPad = len - real;
            for (int h = 0; h < heads; h++) {
                int from = ((r.row * heads + h) * s.length + r.pad) * dim;
                int to = ((i * heads + h) * len + newPad) * dim;
                FloatBuffer slice = src.duplicate();
                slice.position(from).limit(from + real * dim);
                dst.position(to);
                dst.put(slice);
            }
        }
        dst.rewind();
        return OnnxTensor.createTensor(lm.env(), dst, new long[] {n, heads, len, dim});
    }

    private static void closeAll(OnnxTensor[] ts) {
        for (OnnxTensor t : ts) {
            if (t != null) {
                t.close();
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (owner != null) {
            owner.close();
        } else {
            closeAll(keys);
            closeAll(values);
        }
    }
}
