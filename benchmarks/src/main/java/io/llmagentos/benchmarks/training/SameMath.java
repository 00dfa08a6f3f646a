package io.llmagentos.benchmarks.training;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.safetensors.DType;
import io.llmagentos.core.safetensors.SafetensorsWriter;
import io.llmagentos.training.LlamaModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The check before any timing: our loop and the peer, from the same initial weights on the same windows with the
 * same learning rates, must give the same losses (relative 1e-3), else the benchmark would compare two different
 * computations.
 */
final class SameMath {
    private SameMath() {
    }

    /**
     * Runs {@code checkSteps} steps of our loop and of the peer from the same initial weights, windows and
     * learning rates; returns a description, or throws when the losses differ by more than 1e-3 relative
     * (unless {@code --allow-mismatch}).
     */
    static String check(BenchOptions opts, ModelSpec ms, OurLoop loop, PeerRunner peer, BenchData data, Path work)
            throws Exception {
        int checkSteps = opts.checkSteps();
        List<double[]> ours = new ArrayList<>();
        loop.run(ms, checkSteps, ours);
        Path init = work.resolve("init.safetensors");
        // LmTrainer builds its fresh model as LlamaModel.random(config + token ids, seed): the ids do not touch weights
        try (LlamaModel m = LlamaModel.random(ms.config(), opts.seed(), Device.cpu());
             SafetensorsWriter w = new SafetensorsWriter(init, m.tensorSpecs(DType.F32), Map.of("format", "pt"))) {
            m.writeWeights(w);
        }
        double[] lrs = ours.stream().mapToDouble(x -> x[1]).toArray();
        JsonNode py = peer.train(work, ms.config(), opts.batch(), opts.seq(), 0, checkSteps, init, data.windows(),
                lrs);
        StringBuilder sb = new StringBuilder();
        double worst = 0;
        for (int i = 0; i < checkSteps; i++) {
            double a = ours.get(i)[0];
            double b = py.get("losses").get(i).asDouble();
            worst = Math.max(worst, Math.abs(a - b) / Math.abs(b));
            sb.append(String.format(Locale.ROOT, "%s%.5f/%.5f", i == 0 ? "" : ", ", a, b));
        }
        String s = String.format(Locale.ROOT, "%s, %d steps from the same weights, windows and lr: losses "
                + "ours/PyTorch %s; worst relative difference %.1e", ms.label(), checkSteps, sb, worst);
        System.out.println("same math: " + s);
        if (!(worst <= 1e-3) && !opts.allowMismatch()) {
            throw new IllegalStateException("the PyTorch peer does not compute what our loop computes: " + s
                    + " (--allow-mismatch reports the speed anyway)");
        }
        return s;
    }
}
