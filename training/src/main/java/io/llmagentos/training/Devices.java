package io.llmagentos.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.ArrayList;
import java.util.List;

/**
 * Which devices a run uses. {@code auto} takes every GPU DJL sees, else the CPU; {@code gpu:0,gpu:1} (or
 * {@code cpu:0,cpu:1}, which exercises the same data-parallel code on one CPU) splits each micro-batch
 * across the devices, and their gradients are summed onto the first before the update ({@link Replicas}).
 */
public final class Devices {
    private Devices() {
    }

    public static List<Device> parse(String spec) {
        List<Device> out = new ArrayList<>();
        String s = spec == null ? "auto" : spec.trim().toLowerCase();
        if (s.equals("auto")) {
            int gpus = Engine.getInstance().getGpuCount();
            if (gpus == 0) {
                out.add(Device.cpu());
            }
            for (int i = 0; i < gpus; i++) {
                out.add(Device.gpu(i));
            }
            return out;
        }
        for (String part : s.split(",")) {
            String p = part.trim();
            Device d;
            if (p.equals("cpu")) {
                d = Device.cpu();
            } else if (p.equals("gpu")) {
                d = Device.gpu();
            } else if (p.matches("(cpu|gpu):\\d+")) {
                String[] kv = p.split(":");
                // DJL has one CPU device; cpu:N adds another replica on it (the data-parallel path on CPU)
                d = kv[0].equals("cpu") ? Device.cpu() : Device.gpu(Integer.parseInt(kv[1]));
            } else {
                throw new IllegalArgumentException("training.devices: \"" + part + "\" is not a device; use auto, cpu, "
                        + "gpu, or a list like gpu:0,gpu:1");
            }
            if (d.isGpu() && d.getDeviceId() >= Engine.getInstance().getGpuCount()) {
                throw new IllegalArgumentException("training.devices: " + p + " is not visible to DJL ("
                        + Engine.getInstance().getGpuCount() + " GPUs found); see the README's GPU section");
            }
            if (d.isGpu() && out.contains(d)) {
                throw new IllegalArgumentException("training.devices: " + p + " is listed twice");
            }
            out.add(d);
        }
        return out;
    }

    /**
     * Sets PyTorch's intra-op threads (0 leaves the default: all cores). The engine is started first: the
     * JNI call needs libtorch loaded, and before anything else touched DJL it was not (UnsatisfiedLinkError).
     */
    public static void threads(int n) {
        if (n > 0) {
            Engine.getEngine("PyTorch");
            ai.djl.pytorch.jni.JniUtils.setNumThreads(n);
        }
    }
}
