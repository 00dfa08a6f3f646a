package io.llmagentos.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Synchronous data parallelism over DJL devices, the scheme of DJL's {@code LocalParameterServer}: replica
 * 0 is the parameters themselves on the first device, every other replica a copy on its device. Each
 * replica back-propagates its share of the batch; {@link #reduceGradients} sums the replicas' gradients
 * into replica 0, the optimizer updates replica 0, and {@link #broadcast} copies the new weights out.
 *
 * <p>Unlike DJL's parameter store, replicas are slots rather than distinct {@link Device}s, so two
 * replicas may share a device: {@code cpu:0,cpu:1} runs the multi-device path, gradient reduction
 * included, on one CPU.
 */
final class Replicas implements AutoCloseable {
    private final List<Device> devices;
    private final Map<String, Parameter> all;
    private final Map<String, Parameter> trainable;
    private final List<Map<String, NDArray>> copies = new ArrayList<>(); // replica >= 1: name -> array
    private final NDManager manager;

    Replicas(List<Device> devices, Map<String, Parameter> all, Map<String, Parameter> trainable, NDManager parent) {
        this.devices = List.copyOf(devices);
        this.all = all;
        this.trainable = trainable;
        this.manager = parent.newSubManager();
        for (int r = 1; r < devices.size(); r++) {
            Map<String, NDArray> m = new LinkedHashMap<>();
            for (var e : all.entrySet()) {
                NDArray c = copy(e.getValue().getArray(), devices.get(r));
                c.attach(manager);
                if (trainable.containsKey(e.getKey())) {
                    c.setRequiresGradient(true);
                }
                m.put(e.getKey(), c);
            }
            copies.add(m);
        }
    }

    int size() {
        return devices.size();
    }

    Device device(int replica) {
        return devices.get(replica);
    }

    /** The array of {@code name} for {@code replica}. */
    NDArray get(int replica, String name) {
        if (replica == 0) {
            return all.get(name).getArray();
        }
        return copies.get(replica - 1).get(name);
    }

    NDArray get(int replica, Parameter p) {
        return get(replica, p.getName());
    }

    /**
     * Sums every replica's gradient into replica 0's and clears the others'. Returns replica 0's gradients
     * by name (the caller closes them).
     */
    Map<String, NDArray> reduceGradients() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (String name : trainable.keySet()) {
            NDArray g0 = get(0, name).getGradient();
            for (int r = 1; r < devices.size(); r++) {
                try (NDArray g = get(r, name).getGradient()) {
                    try (NDArray moved = copy(g, devices.get(0))) {
                        g0.addi(moved);
                    }
                    g.subi(g);
                }
            }
            out.put(name, g0);
        }
        return out;
    }

    /** Copies replica 0's trainable weights to the other replicas. */
    void broadcast() {
        for (int r = 1; r < devices.size(); r++) {
            for (String name : trainable.keySet()) {
                NDArray src = get(0, name);
                NDArray dst = get(r, name);
                try (NDArray moved = copy(src, devices.get(r))) {
                    LlamaModel.copyInto(dst, moved);
                }
            }
        }
    }

    /** Copies every weight of replica 0 out again (after a restore). */
    void broadcastAll() {
        for (int r = 1; r < devices.size(); r++) {
            for (String name : all.keySet()) {
                try (NDArray moved = copy(get(0, name), devices.get(r))) {
                    LlamaModel.copyInto(get(r, name), moved);
                }
            }
        }
    }

    /**
     * A real copy on {@code device}. ({@code toDevice(sameDevice, true)} in DJL's PyTorch engine returns the
     * same tensor, gradient included, so a replica on the parameters' own device must be duplicated.)
     */
    static NDArray copy(NDArray a, Device device) {
        return a.getDevice().equals(device) ? a.duplicate() : a.toDevice(device, true);
    }

    @Override
    public void close() {
        manager.close();
    }
}
