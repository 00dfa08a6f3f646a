package io.llmagentos.benchmarks.training;

import java.nio.file.Path;

/**
 * The benchmark's command-line options: their defaults, the usage text, parsing, and the range checks that make
 * a bad count fail before anything runs.
 */
record BenchOptions(int rounds, int warmup, int steps, int batch, int seq, int threads, long seed, boolean larger,
        int largerRounds, int largerSteps, int checkSteps, Path dir, boolean keep, boolean allowMismatch,
        boolean optimizerOnly) {
    static final String USAGE = "options: --rounds N (3), --warmup N (2), --steps N (timed steps per round, 5), "
            + "--batch N (8), --seq N (256), --threads N (2), --seed N (42), --larger (also hidden 512 x 8 layers), "
            + "--larger-rounds N (1), --larger-steps N (2), --check-steps N (3), --dir DIR, --keep, --allow-mismatch, "
            + "--optimizer-only (just the optimizer-phase comparison, printed)";

    BenchOptions {
        if (rounds < 1 || steps < 1 || warmup < 0 || batch < 1 || seq < 2 || threads < 1
                || largerRounds < 1 || largerSteps < 1 || checkSteps < 1) {
            throw new IllegalArgumentException("counts must be >= 1 (warm-up >= 0); " + USAGE);
        }
    }

    static BenchOptions parse(String[] args) {
        int rounds = 3;
        int warmup = 2;
        int steps = 5;
        int batch = 8;
        int seq = 256;
        int threads = 2;
        long seed = 42;
        boolean larger = false;
        int largerRounds = 1;
        int largerSteps = 2;
        int checkSteps = 3;
        Path dir = Path.of(System.getProperty("java.io.tmpdir"));
        boolean keep = false;
        boolean allowMismatch = false;
        boolean optimizerOnly = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            boolean flag = a.equals("--larger") || a.equals("--keep") || a.equals("--allow-mismatch")
                    || a.equals("--optimizer-only");
            if (!flag && i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value; " + USAGE);
            }
            switch (a) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--seq" -> seq = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--larger" -> larger = true;
                case "--larger-rounds" -> largerRounds = Integer.parseInt(args[++i]);
                case "--larger-steps" -> largerSteps = Integer.parseInt(args[++i]);
                case "--check-steps" -> checkSteps = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--keep" -> keep = true;
                case "--allow-mismatch" -> allowMismatch = true;
                case "--optimizer-only" -> optimizerOnly = true;
                default -> throw new IllegalArgumentException("unknown option " + a + "; " + USAGE);
            }
        }
        return new BenchOptions(rounds, warmup, steps, batch, seq, threads, seed, larger, largerRounds, largerSteps,
                checkSteps, dir, keep, allowMismatch, optimizerOnly);
    }
}
