package io.llmagentos.pipelines.stages;

import io.llmagentos.dataprep.DataPrep;
import io.llmagentos.dataprep.PrepConfig;
import io.llmagentos.dataprep.PrepReport;
import io.llmagentos.pipelines.spec.Isolation;
import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageContext;
import io.llmagentos.pipelines.stage.StageOutput;
import io.llmagentos.pipelines.stage.StageParam;
import io.llmagentos.pipelines.stage.StageResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * {@code uses: prep}: the data-prep job on Spark (ingest, clean, dedup, PII redaction, split, and with a tokenizer
 * token shards). Runs in a child JVM by default (Spark and its native codecs).
 */
public final class PrepStage implements Stage {
    @Override
    public String name() {
        return "prep";
    }

    @Override
    public String description() {
        return "Data-prep on Spark: clean, filter, dedup, redact PII, split; with a tokenizer also pack token shards.";
    }

    @Override
    public Isolation isolation() {
        return Isolation.CHILD_JVM;
    }

    @Override
    public List<StageParam> params() {
        return List.of(
                StageParam.required("input", StageParam.Type.PATHS, "Input files or directories, comma-separated."),
                StageParam.optional("config", StageParam.Type.PATH, "", "prep.yaml (see 'agentos prep config'); "
                        + "settings it omits keep their defaults."),
                StageParam.optional("tokenizer", StageParam.Type.PATH, "", "Tokenizer directory: also write token shards."),
                StageParam.optional("seq_len", StageParam.Type.INT, "", "Tokens per packed sequence (default: the config's)."),
                StageParam.optional("output", StageParam.Type.STRING, "", "Output directory (default: the step's own). "
                        + "Point a second prep step at the first one's dir output to reuse its finished stages."),
                StageParam.optional("master", StageParam.Type.STRING, "", "Spark master (default: the config's, local[*])."));
    }

    @Override
    public List<StageOutput> outputs() {
        return List.of(StageOutput.path("dir", "the data-prep output directory"),
                StageOutput.path("corpus_train", "clean training documents (JSONL part files)"),
                StageOutput.path("corpus_validation", "clean validation documents"),
                StageOutput.path("corpus_test", "clean test documents"),
                StageOutput.path("shards", "token shards of the train split (with a tokenizer)"),
                StageOutput.path("report", "prep-report.json"));
    }

    @Override
    public StageResult run(StageContext ctx) throws Exception {
        PrepConfig cfg = ctx.path("config") == null ? PrepConfig.defaults() : PrepConfig.load(ctx.path("config"));
        Path tok = ctx.path("tokenizer");
        if (tok != null || ctx.optional("seq_len") != null) {
            PrepConfig.Tokenize t = cfg.tokenize();
            cfg = new PrepConfig(cfg.input(), cfg.normalize(), cfg.quality(), cfg.dedup(), cfg.pii(), cfg.split(),
                    new PrepConfig.Tokenize(tok == null ? t.tokenizer() : tok.toString(),
                            ctx.optional("seq_len") == null ? t.seqLen() : (int) ctx.integer("seq_len"), t.eosToken(),
                            t.padToken(), t.shardsPerSplit()), cfg.spark());
        }
        Path out = ctx.optional("output") == null ? ctx.workDir().resolve("prep") : Path.of(ctx.string("output"));
        String master = ctx.optional("master") == null ? cfg.spark().master() : ctx.string("master");
        ctx.log().println("data-prep: " + ctx.list("input") + " -> " + out + " on Spark " + master);
        PrepReport r;
        try (SparkSession spark = DataPrep.createSession(master, cfg.spark())) {
            r = new DataPrep(spark, cfg).run(ctx.list("input"), out, ctx.progress());
        }
        StageResult.Builder b = StageResult.builder().output("dir", out)
                .output("report", out.resolve(PrepReport.FILE_NAME));
        for (String split : List.of("train", "validation", "test")) {
            String p = r.outputs().get("corpus_" + split);
            b.output("corpus_" + split, p == null ? "" : p);
        }
        String shards = r.outputs().get("shards");
        b.output("shards", shards == null ? "" : Path.of(shards).resolve("train").toString());
        PrepReport.Counts c = r.counts();
        b.metric("records_in", c.input()).metric("records_kept", c.kept()).metric("filtered", c.filteredTotal())
                .metric("exact_duplicates", c.exactDuplicates()).metric("near_duplicates", c.nearDuplicates())
                .metric("quarantined", c.quarantinedTotal());
        r.splits().forEach((k, v) -> b.metric("split_" + k, v));
        long tokens = r.shards().stream().mapToLong(PrepReport.Shard::tokens).sum();
        if (tokens > 0) {
            b.metric("tokens", tokens);
        }
        if (shards != null) {
            try (io.llmagentos.core.shards.TokenShardSet set = io.llmagentos.core.shards.TokenShardSet.open(
                    Path.of(shards).resolve("train"))) {
                b.metric("train_sequences", set.sequenceCount()).metric("seq_len", set.header().seqLen());
                ctx.log().printf(java.util.Locale.ROOT, "  %,d sequences of %d tokens (train split) -> %s%n",
                        set.sequenceCount(), set.header().seqLen(), Path.of(shards).resolve("train"));
            }
        }
        ctx.log().printf(java.util.Locale.ROOT, "accounting: %s — %s%n", c.equation(), c.invariantHolds() ? "holds" : "BROKEN");
        ctx.log().printf(java.util.Locale.ROOT, "splits: train %,d, validation %,d, test %,d%n", r.splits().get("train"),
                r.splits().get("validation"), r.splits().get("test"));
        ctx.log().printf(java.util.Locale.ROOT, "PII redacted in %,d documents%n",
                r.pii().getOrDefault("documents_redacted", 0L));
        if (tokens > 0) {
            ctx.log().printf(java.util.Locale.ROOT, "token shards: %d files, %,d tokens%n", r.shards().size(), tokens);
        }
        for (Map.Entry<String, String> e : r.outputs().entrySet()) {
            ctx.log().printf("wrote %-18s %s%n", e.getKey().replace('_', ' '), e.getValue());
        }
        b.artifact("prep/" + PrepReport.FILE_NAME, out.resolve(PrepReport.FILE_NAME))
                .artifact("prep/lineage.json", out.resolve("lineage.json"))
                .artifact("prep/prep-config.yaml", out.resolve("prep-config.yaml"));
        if (!c.invariantHolds()) {
            throw new IllegalStateException(out.resolve(PrepReport.FILE_NAME) + ": record accounting is broken: "
                    + c.equation());
        }
        if (!Files.isDirectory(out)) {
            throw new IllegalStateException("data-prep wrote nothing to " + out);
        }
        return b.build();
    }
}
