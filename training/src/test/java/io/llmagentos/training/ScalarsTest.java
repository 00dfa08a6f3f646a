package io.llmagentos.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.llmagentos.testsupport.ClassRefs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A tensor–number op that autograd differentiates must keep the number alive until backward: after the Java
 * side's scalar buffers are collected and their memory handed out again, {@link Scalars}' gradients are still
 * right, while DJL's own {@code mul(Number)} reads the new contents.
 */
class ScalarsTest {
    /** Frees what the collector can and refills freed 4-byte direct buffers with 999. */
    private static void scribble() throws InterruptedException {
        List<ByteBuffer> keep = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            System.gc();
            Thread.sleep(10);
            for (int i = 0; i < 200; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
                b.putFloat(0, 999f);
                keep.add(b);
            }
        }
        assertThat(keep).hasSize(4000);
    }

    /** The gradient of sum(f(x)) at x = 2, taken after a scribble between forward and backward. */
    private static float gradAfterScribble(Function<NDArray, NDArray> f) throws Exception {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray x = m.full(new Shape(4), 2f);
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = f.apply(x).sum();
                scribble();
                gc.backward(y);
            }
            float[] g = x.getGradient().toFloatArray();
            for (float v : g) {
                assertThat(v).isEqualTo(g[0]);
            }
            return g[0];
        }
    }

    @Test
    void gradientsSurviveTheJavaSideBeingCollected() throws Exception {
        assertThat(gradAfterScribble(x -> Scalars.mul(x, 3))).isEqualTo(3f);
        assertThat(gradAfterScribble(x -> Scalars.div(x, 4))).isEqualTo(0.25f);
        assertThat(gradAfterScribble(x -> Scalars.pow(x, -0.5))).isCloseTo((float) (-0.5 * Math.pow(2, -1.5)),
                org.assertj.core.api.Assertions.within(1e-7f));
        assertThat(gradAfterScribble(x -> Scalars.maximum(x, 1))).isEqualTo(1f); // x > 1: passes through
        assertThat(gradAfterScribble(x -> Scalars.maximum(x, 5))).isEqualTo(0f);
        assertThat(gradAfterScribble(x -> Scalars.minimum(x, 5))).isEqualTo(1f);
    }

    @Test
    void djlsNumberOverloadDoesNot() throws Exception {
        // the control: the same scribble breaks DJL's own path, so the test above can tell (when DJL fixes this,
        // this fails and Scalars can go)
        assertThat(gradAfterScribble(x -> x.mul(3f))).isNotEqualTo(3f);
    }

    @Test
    void scalarsHaveTheTensorsDtype() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray x = m.ones(new Shape(2), ai.djl.ndarray.types.DataType.FLOAT32);
            NDArray s = Scalars.of(x, 1.0 / 3);
            assertThat(s.getDataType()).isEqualTo(x.getDataType());
            assertThat(s.getShape().dimension()).isZero();
            assertThat(Scalars.mul(x, 1.0 / 3).toFloatArray()).containsExactly(x.mul(1.0 / 3).toFloatArray());
        }
    }

    @Test
    void trainingCallsNoNumberOverloadOfDjl() {
        assertThat(ClassRefs.djlNumberArithmeticCallers(Path.of("target/classes"))).isEmpty();
    }
}
