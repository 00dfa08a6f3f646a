package io.llmagentos.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tensors the training code makes from Java arrays (ids, targets) must not depend on the Java direct buffer the
 * array was copied into: a libtorch view of the tensor (what reshape, indexing and autograd keep) has to read the
 * same values after the Java array object is closed, collected and its memory handed out again.
 */
class JavaMemoryTest {
    private static final int ROWS = 4;
    private static final int SEQ = 64;

    private static int[][] batch() {
        int[][] b = new int[ROWS][SEQ];
        for (int i = 0; i < ROWS; i++) {
            for (int j = 0; j < SEQ; j++) {
                b[i][j] = i * SEQ + j;
            }
        }
        return b;
    }

    /** Frees what the garbage collector can and refills freed direct memory of the same size with -1. */
    private static void scribble() throws InterruptedException {
        List<ByteBuffer> keep = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            System.gc();
            Thread.sleep(10);
            for (int i = 0; i < 50; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(ROWS * SEQ * Long.BYTES);
                while (b.hasRemaining()) {
                    b.put((byte) 0xff);
                }
                keep.add(b);
            }
        }
        assertThat(keep).hasSize(1000);
    }

    @Test
    void idsAndTargetsOutliveTheJavaBufferTheyWereMadeFrom() throws Exception {
        int[][] in = batch();
        Batch b = new Batch(in, in, new float[ROWS][SEQ]);
        try (NDManager base = NDManager.newBaseManager(Device.cpu())) {
            NDArray idsView;
            NDArray targetsView;
            try (NDManager m = base.newSubManager()) {
                NDArray ids = LlamaModel.ids(m, in);
                idsView = ids.reshape(-1);
                NDArray like = m.zeros(new ai.djl.ndarray.types.Shape(1), DataType.FLOAT32);
                targetsView = Objective.targets(m, b, like).reshape(-1);
                idsView.attach(base);
                targetsView.attach(base);
            }
            scribble();
            long[] ids = idsView.toLongArray();
            long[] targets = targetsView.toLongArray();
            for (int k = 0; k < ROWS * SEQ; k++) {
                assertThat(ids[k]).as("id %d after its Java buffer was freed", k).isEqualTo(k);
                assertThat(targets[k]).as("target %d after its Java buffer was freed", k).isEqualTo(k);
            }
        }
    }
}
