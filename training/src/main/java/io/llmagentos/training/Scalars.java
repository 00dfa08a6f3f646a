package io.llmagentos.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.function.BinaryOperator;

/**
 * Arithmetic of a tensor with a Java number, for code that autograd differentiates. DJL's {@code
 * NDArray.mul(Number)} (and div, pow, maximum, minimum) turns the number into a 0-dim tensor over a Java direct
 * buffer ({@code torch::from_blob}) and closes it as soon as the op returns. Autograd saves that tensor for the
 * backward pass ({@code d(x·c)/dx = c}), but nothing keeps its memory alive: once the collector frees the buffer
 * and the JVM hands the memory out again, backward reads whatever is there. A training step then gets a wrong
 * gradient at a moment that depends on garbage-collection timing (a data-parallel test diverged by 5 % at
 * step 2 on CI; {@code ScalarsTest} reproduces it with DJL's own path).
 *
 * <p>Here the number becomes a 0-dim tensor that libtorch allocates ({@code torch::full}) in the tensor's dtype;
 * autograd's saved reference keeps it alive, and the Java handle is closed right away as DJL does. The values
 * equal DJL's (a 0-dim operand does not promote a float32 tensor, so DJL's float64 scalar was cast to float32
 * too). Training and distillation make every tensor–number product through this class; a test checks their
 * class files for calls of DJL's number overloads.
 */
public final class Scalars {
    private Scalars() {
    }

    /** A 0-dim tensor holding {@code value}, in libtorch memory, with {@code like}'s dtype and device. */
    public static NDArray of(NDArray like, double value) {
        NDManager m = like.getManager();
        NDArray s = m.full(new Shape(), (float) value, like.getDataType());
        if (s.getDevice().equals(like.getDevice())) {
            return s;
        }
        try (s) {
            return s.toDevice(like.getDevice(), true);
        }
    }

    public static NDArray mul(NDArray x, double c) {
        return apply(x, c, NDArray::mul);
    }

    public static NDArray div(NDArray x, double c) {
        return apply(x, c, NDArray::div);
    }

    public static NDArray pow(NDArray x, double c) {
        return apply(x, c, NDArray::pow);
    }

    public static NDArray maximum(NDArray x, double c) {
        return apply(x, c, NDArray::maximum);
    }

    public static NDArray minimum(NDArray x, double c) {
        return apply(x, c, NDArray::minimum);
    }

    /** In place: {@code x *= c}. */
    public static NDArray muli(NDArray x, double c) {
        return apply(x, c, NDArray::muli);
    }

    /** {@code op(x, c)} with {@code c} as {@link #of}; the scalar's Java handle is closed once the op returns. */
    private static NDArray apply(NDArray x, double c, BinaryOperator<NDArray> op) {
        try (NDArray s = of(x, c)) {
            return op.apply(x, s);
        }
    }
}
