package io.llmagentos.benchmarks.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.json.JsonFields;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The PyTorch side: runs scripts/bench/training_peer.py with the bench's Python (system properties
 * {@code agentos.bench.python} and {@code agentos.repo.root}) on the same threads, hands it a JSON spec of what
 * to train, and reads the JSON result it prints last.
 */
final class PeerRunner {
    private final Path python = Path.of(System.getProperty("agentos.bench.python", ".venv-bench/bin/python"));
    private final Path peer = Path.of(System.getProperty("agentos.repo.root", "."))
            .resolve("scripts/bench/training_peer.py");
    private final int threads;
    private final long seed;

    /** Fails when the interpreter or the peer script is missing, before any work starts. */
    PeerRunner(int threads, long seed) {
        this.threads = threads;
        this.seed = seed;
        if (!Files.isExecutable(python) || !Files.isRegularFile(peer)) {
            throw new IllegalStateException("no Python interpreter at " + python + " or no " + peer
                    + ": run through scripts/bench/training.sh, which installs torch into .venv-bench");
        }
    }

    /** torch's fp32 matmul GFLOP/s at each {@code n}² size. */
    JsonNode gemm(int... sizes) throws Exception {
        List<String> args = new ArrayList<>(List.of("gemm", String.valueOf(threads)));
        for (int n : sizes) {
            args.add(String.valueOf(n));
        }
        return python(args.toArray(String[]::new));
    }

    /**
     * {@code warm} + {@code timed} optimizer steps of the peer on {@code rows × len} tokens; {@code lr} is one
     * learning rate ({@code Double}) or one per step ({@code double[]}); {@code init} (weights) and {@code win}
     * (the windows as JSON) are optional. The spec file goes to {@code scratch}.
     */
    JsonNode train(Path scratch, LlamaConfig c, int rows, int len, int warm, int timed, Path init, Path win,
            Object lr) throws Exception {
        ObjectNode spec = JsonFields.MAPPER.createObjectNode();
        spec.set("config", c.toJson());
        spec.put("batch", rows);
        spec.put("seq", len);
        spec.put("threads", threads);
        spec.put("warmup", warm);
        spec.put("steps", timed);
        spec.put("seed", seed);
        if (lr instanceof double[] l) {
            ArrayNode a = spec.putArray("lr");
            for (double v : l) {
                a.add(v);
            }
        } else {
            spec.put("lr", (Double) lr);
        }
        spec.put("weight_decay", StepSettings.WEIGHT_DECAY);
        spec.put("beta1", StepSettings.BETA1);
        spec.put("beta2", StepSettings.BETA2);
        spec.put("eps", StepSettings.EPS);
        spec.put("grad_clip", StepSettings.GRAD_CLIP);
        if (init != null) {
            spec.put("init", init.toString());
        }
        if (win != null) {
            spec.put("windows", win.toString());
        }
        Path f = Files.createTempFile(scratch, "spec-", ".json");
        JsonFields.MAPPER.writeValue(f.toFile(), spec);
        return python("train", f.toString());
    }

    private JsonNode python(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(python.toString(), peer.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
        pb.environment().put("MKL_NUM_THREADS", String.valueOf(threads));
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(2, TimeUnit.HOURS) || p.exitValue() != 0) {
            throw new IllegalStateException("PyTorch peer failed (" + String.join(" ", args) + "): "
                    + new String(out, StandardCharsets.UTF_8));
        }
        String text = new String(out, StandardCharsets.UTF_8).strip();
        return JsonFields.MAPPER.readTree(text.substring(text.lastIndexOf('\n') + 1));
    }
}
