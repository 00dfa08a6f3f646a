package io.llmagentos.distillation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.ShardData;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The offline store holds exactly the teacher's top-k and tail of each window, and refuses a damaged file. */
class TeacherStoreTest {
    @Test
    void theStoreHoldsTheTeachersTopKAndTailOfEveryPosition(@TempDir Path tmp) throws Exception {
        Fixture f = Fixture.get();
        int k = 5;
        double t = 2;
        int seq = Fixture.SEQ;
        try (Checkpoint ck = Checkpoint.open(f.teacher); LlamaModel teacher = LlamaModel.load(ck, Device.cpu());
             ShardData data = new ShardData(f.shards, seq, 0.1, 300, f.tok.digest());
             TeacherStore s = TeacherStore.write(teacher, data, 10, k, t, 4, tmp.resolve("store"), "sha256:x",
                     f.tok.digest(), ProgressListener.NONE)) {
            assertThat(s.header().windows()).isEqualTo(10);
            assertThat(s.header().dataDigest()).isEqualTo(data.digest());
            int vocab = teacher.config().vocabSize();
            int[] in = new int[seq];
            int[] ids = new int[seq * k];
            float[] lp = new float[seq * k];
            float[] tail = new float[seq];
            for (int w : new int[] {0, 7, 9}) {
                s.read(w, in, ids, lp, tail);
                int[] want = new int[seq];
                data.train(w, want, new int[seq], new float[seq]);
                assertThat(in).isEqualTo(want);
                // the window alone through the teacher, its distribution at T sorted by hand
                float[] logits;
                try (NDManager m = NDManager.newBaseManager()) {
                    logits = teacher.forward(teacher.weights(), LlamaModel.ids(m, new int[][] {want}), null).toFloatArray();
                }
                for (int pos = 0; pos < seq; pos++) {
                    double[] z = new double[vocab];
                    for (int v = 0; v < vocab; v++) {
                        z[v] = logits[pos * vocab + v];
                    }
                    double[] p = KdReference.softmax(z, t);
                    Integer[] order = IntStream.range(0, vocab).boxed().toArray(Integer[]::new);
                    Arrays.sort(order, Comparator.comparingDouble(v -> -p[v]));
                    double top = 0;
                    for (int j = 0; j < k; j++) {
                        assertThat(ids[pos * k + j]).as("window %d position %d rank %d", w, pos, j).isEqualTo(order[j]);
                        assertThat((double) lp[pos * k + j]).isCloseTo(Math.log(p[order[j]]), within(1e-4));
                        top += p[order[j]];
                    }
                    assertThat((double) tail[pos]).isCloseTo(1 - top, within(1e-5));
                }
            }
            // rows are checked against the batch's tokens
            int[][] wrong = new int[1][seq];
            assertThatThrownBy(() -> s.batch(new int[] {3}, wrong, NDManager.newBaseManager()))
                    .hasMessageContaining("window 3 holds other tokens");
            assertThat(s.header().mismatch("sha256:x", f.tok.digest(), data.digest(), seq, k, t, 10)).isNull();
            assertThat(s.header().mismatch("sha256:y", f.tok.digest(), data.digest(), seq, k, t, 10))
                    .contains("another teacher");
            assertThat(s.header().mismatch("sha256:x", f.tok.digest(), data.digest(), seq, k, t, 11))
                    .contains("covers 10 windows");
        }
    }

    @Test
    void aTruncatedStoreFileIsAnErrorNamingIt(@TempDir Path tmp) throws Exception {
        Fixture f = Fixture.get();
        Path dir = tmp.resolve("store");
        try (Checkpoint ck = Checkpoint.open(f.teacher); LlamaModel teacher = LlamaModel.load(ck, Device.cpu());
             ShardData data = new ShardData(f.shards, Fixture.SEQ, 0.1, 300, null)) {
            TeacherStore.write(teacher, data, 3, 4, 1, 4, dir, "sha256:x", f.tok.digest(), ProgressListener.NONE).close();
        }
        try (FileChannel ch = FileChannel.open(dir.resolve("topk-00000.bin"), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 10);
        }
        assertThatThrownBy(() -> TeacherStore.open(dir)).hasMessageContaining("topk-00000.bin")
                .hasMessageContaining("expected").hasMessageContaining("delete");
    }
}
