package io.llmagentos.dataprep;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sha2;

import io.llmagentos.core.checkpoint.Lineage;
import io.llmagentos.core.pii.PiiType;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.dataprep.internal.FuzzyDedup;
import io.llmagentos.dataprep.internal.InputFiles;
import io.llmagentos.dataprep.internal.RecordReader;
import io.llmagentos.dataprep.internal.Schemas;
import io.llmagentos.dataprep.internal.ShardPacker;
import io.llmagentos.dataprep.internal.StageStore;
import io.llmagentos.dataprep.internal.Transforms;
import io.llmagentos.dataprep.internal.YamlBinder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data-prep job: ingest → normalize + quality filters → exact dedup → MinHash near-dup dedup →
 * PII redaction + split → outputs (clean corpus per split, rejects, quarantine, token shards, report,
 * lineage). Runs on any Spark master; the session is the caller's, so the same code runs embedded
 * ({@code local[*]}) and on a cluster. Stages persist under {@code <output>/_work} so a re-run with the
 * same inputs and config skips what is done and a killed run resumes.
 *
 * <p>Outputs in {@code <output>/}:
 * <pre>
 *   corpus/{train,validation,test}/part-*.jsonl.gz   kept documents {id, source, text}, sorted by id
 *   rejects/part-*.jsonl.gz                          filtered and duplicate documents with stage and reason
 *   quarantine/part-*.json                           malformed records {file, line, reason, detail}
 *   shards/{split}/{split}-NNNNN.tokens              token shards (with a tokenizer)
 *   prep-report.json, lineage.json, prep-config.yaml
 * </pre>
 */
public final class DataPrep {
    private static final Logger LOG = LoggerFactory.getLogger(DataPrep.class);

    /** Stage names, in order; also the keys of {@link PrepReport#seconds()}. */
    public static final List<String> STAGES = List.of("scan", "ingest", "clean", "exact_dedup", "near_dedup",
            "redact_split", "write", "tokenize");

    private final SparkSession spark;
    private final PrepConfig config;

    public DataPrep(SparkSession spark, PrepConfig config) {
        this.spark = spark;
        this.config = config;
    }

    /**
     * A session for this job: the given master, no UI (and no metrics servlet), the config's shuffle partitions, UTC, and driver
     * addresses on 127.0.0.1 for local masters. The caller closes it.
     */
    public static SparkSession createSession(String master, PrepConfig.Spark cfg) {
        SparkSession.Builder b = SparkSession.builder()
                .appName("agentos-prep")
                .master(master)
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", String.valueOf(cfg.shufflePartitions()))
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.adaptive.enabled", "true")
                .config("spark.metrics.conf.*.sink.servlet.class",
                        io.llmagentos.dataprep.internal.NoHttpMetricsServlet.class.getName());
        if (master.startsWith("local")) {
            b.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1");
        }
        return b.getOrCreate();
    }

    /**
     * Runs the job.
     *
     * @param inputs   files or directories (local paths or Hadoop URIs)
     * @param output   output directory (created; earlier stage results in it are reused when they match)
     * @param progress receives one task per stage
     */
    public PrepReport run(List<String> inputs, Path output, ProgressListener progress)
            throws PrepException, IOException {
        long t0 = System.nanoTime();
        if (Files.exists(output) && !Files.isDirectory(output)) {
            throw new PrepException(output + ": output exists and is not a directory; choose another --output");
        }
        Files.createDirectories(output);
        Map<String, Double> seconds = new LinkedHashMap<>();
        List<InputFiles.InputFile> files = InputFiles.resolve(inputs, config.input().format());
        try (ProgressListener.Progress p = progress.start("data-prep", STAGES.size(), "stages")) {
            return runStages(files, output, p, seconds, t0);
        } catch (org.apache.spark.SparkException e) {
            throw new PrepException("Spark job failed: " + rootMessage(e), e);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private PrepReport runStages(List<InputFiles.InputFile> files, Path output, ProgressListener.Progress p,
                                 Map<String, Double> seconds, long t0) throws IOException, PrepException,
            org.apache.spark.SparkException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());

        // scan: digests and record counts, independent of parsing.
        long t = System.nanoTime();
        p.status("scan " + files.size() + " files");
        PrepConfig.Input inputCfg = config.input();
        List<Row> scanned = new ArrayList<>(jsc.parallelize(files, Math.max(1, files.size()))
                .map(f -> RowFactory.create(InputFiles.scan(f, inputCfg))).collect());
        for (Row r : scanned) {
            if (!r.isNullAt(5)) {
                throw new PrepException(r.getString(5));
            }
        }
        List<PrepReport.InputStat> inputStats = new ArrayList<>();
        List<String> parquet = new ArrayList<>();
        for (int i = 0; i < scanned.size(); i++) {
            Row r = scanned.get(i);
            long records = r.getLong(4);
            if (files.get(i).format() == PrepConfig.Format.PARQUET) {
                records = spark.read().parquet(files.get(i).uri()).count();
                parquet.add(files.get(i).uri());
            }
            inputStats.add(new PrepReport.InputStat(r.getString(0), r.getString(1), r.getLong(2), r.getString(3),
                    records));
        }
        String fingerprint = fingerprint(inputStats);
        StageStore store = new StageStore(spark, output.resolve("_work"), fingerprint);
        done(p, seconds, "scan", t);

        // ingest: one row per record, malformed ones carrying their quarantine reason.
        t = System.nanoTime();
        p.status("ingest");
        PrepConfig.Input inCfg = config.input();
        Dataset<Row> ingest = store.stage("ingest", () -> {
            List<InputFiles.InputFile> lineFiles = files.stream()
                    .filter(f -> f.format() != PrepConfig.Format.PARQUET).toList();
            Dataset<Row> rows = spark.createDataFrame(spark.emptyDataFrame().javaRDD(), Schemas.INGEST);
            if (!lineFiles.isEmpty()) {
                JavaRDD<Row> rdd = jsc.parallelize(lineFiles, lineFiles.size())
                        .flatMap(f -> RecordReader.read(f.uri(), f.name(), f.format(), inCfg));
                rows = spark.createDataFrame(rdd, Schemas.INGEST);
            }
            if (!parquet.isEmpty()) {
                rows = rows.unionByName(readParquet(files, inCfg));
            }
            return rows;
        });
        done(p, seconds, "ingest", t);

        // clean: normalization + quality filters.
        t = System.nanoTime();
        p.status("normalize + filter");
        // One task per file in ingest; spread the documents over every core before the CPU-heavy steps.
        int tasks = Math.max(2, spark.sparkContext().defaultParallelism() * 2);
        Dataset<Row> clean = store.stage("clean", () -> ingest.filter(col("reason").isNull()).repartition(tasks)
                .mapPartitions(Transforms.cleanAndFilter(config), org.apache.spark.sql.Encoders.row(Schemas.CLEAN)));
        done(p, seconds, "clean", t);
        Dataset<Row> passed = clean.filter(col("reason").isNull());

        // exact dedup on the normalized text: the smallest (doc_id, uid) of each text stays.
        t = System.nanoTime();
        p.status("exact dedup");
        Dataset<Row> exact = store.stage("exact_dedup", () -> {
            if (!config.dedup().exact()) {
                return passed.select(col("uid"), lit(null).cast("string").as("dup_of")).limit(0);
            }
            WindowSpec w = Window.partitionBy("hash").orderBy(col("doc_id"), col("uid"));
            return passed.select(col("uid"), col("doc_id"), sha2(col("text"), 256).as("hash"))
                    .withColumn("rank", row_number().over(w))
                    .withColumn("dup_of", first(col("doc_id")).over(w))
                    .filter(col("rank").gt(1))
                    .select("uid", "dup_of");
        });
        done(p, seconds, "exact_dedup", t);
        Dataset<Row> unique = passed.join(exact.select("uid"), passed.col("uid").equalTo(exact.col("uid")),
                "left_anti");

        // near dedup: MinHash LSH on word shingles.
        t = System.nanoTime();
        p.status("near-duplicate dedup");
        Map<String, Long> dedupStats = new LinkedHashMap<>();
        Dataset<Row> near;
        if (store.done("near_dedup")) {
            near = store.read("near_dedup");
            store.extras("near_dedup").forEach((k, v) -> dedupStats.put(k, ((Number) v).longValue()));
        } else {
            Dataset<Row> dups;
            if (config.dedup().fuzzy()) {
                FuzzyDedup.Result r = FuzzyDedup.run(spark, unique.select("uid", "doc_id", "text"), config.dedup());
                dups = r.duplicates();
                dedupStats.put("candidate_pairs", r.candidatePairs());
                dedupStats.put("similar_pairs", r.similarPairs());
                dedupStats.put("clusters", r.clusters());
            } else {
                dups = spark.createDataFrame(List.of(), FuzzyDedup.DUPLICATES);
            }
            Path data = output.resolve("_work").resolve("near_dedup");
            dups.write().mode(SaveMode.Overwrite).parquet(data.toUri().toString());
            store.mark("near_dedup", new LinkedHashMap<>(dedupStats));
            near = spark.read().parquet(data.toUri().toString());
        }
        done(p, seconds, "near_dedup", t);
        Dataset<Row> kept = unique.join(near.select("uid"), unique.col("uid").equalTo(near.col("uid")), "left_anti");

        // PII redaction + split.
        t = System.nanoTime();
        p.status("PII redaction + split");
        Dataset<Row> fin = store.stage("redact_split", () -> kept
                .select("uid", "file", "line", "doc_id", "source", "text")
                .mapPartitions(Transforms.redactAndSplit(config), org.apache.spark.sql.Encoders.row(Transforms.FINAL)));
        done(p, seconds, "redact_split", t);

        // outputs.
        t = System.nanoTime();
        p.status("write outputs");
        Map<String, String> outputs = writeOutputs(output, store, ingest, clean, exact, near, fin);
        done(p, seconds, "write", t);

        t = System.nanoTime();
        List<PrepReport.Shard> shards = List.of();
        if (config.tokenize().enabled()) {
            p.status("tokenize + pack");
            shards = ShardPacker.pack(spark, fin, config.tokenize(), output.resolve("shards"));
            outputs.put("shards", output.resolve("shards").toString());
        }
        done(p, seconds, "tokenize", t);

        PrepReport report = report(inputStats, ingest, clean, exact, near, fin, dedupStats, shards, outputs,
                seconds, t0);
        report.save(output.resolve(PrepReport.FILE_NAME));
        Files.writeString(output.resolve("prep-config.yaml"), config.toYaml(), StandardCharsets.UTF_8);
        lineage(report, fingerprint).save(output.resolve(Lineage.FILE_NAME));
        if (!report.counts().invariantHolds()) {
            throw new IllegalStateException("accounting invariant broken (a data-prep bug, please report it): "
                    + report.counts().equation());
        }
        LOG.info("data-prep done: {}", report.counts().equation());
        return report;
    }

    private Dataset<Row> readParquet(List<InputFiles.InputFile> files, PrepConfig.Input cfg) {
        String[] uris = files.stream().filter(f -> f.format() == PrepConfig.Format.PARQUET)
                .map(InputFiles.InputFile::uri).toArray(String[]::new);
        Map<String, String> names = new LinkedHashMap<>();
        for (InputFiles.InputFile f : files) {
            names.put(f.uri(), f.name());
        }
        Dataset<Row> df = spark.read().parquet(uris);
        List<String> cols = List.of(df.columns());
        if (!cols.contains(cfg.textField())) {
            throw new UncheckedIOException(new IOException(uris[0] + ": Parquet input has no column \""
                    + cfg.textField() + "\" (columns: " + cols + "); set input.textField"));
        }
        Column id = cols.contains(cfg.idField()) ? col(cfg.idField()).cast("string") : lit(null).cast("string");
        Column source = cols.contains(cfg.sourceField()) ? col(cfg.sourceField()).cast("string")
                : lit(null).cast("string");
        Column text = col(cfg.textField());
        boolean textIsString = df.schema().apply(cfg.textField()).dataType()
                .equals(org.apache.spark.sql.types.DataTypes.StringType);
        Dataset<Row> sel = df.select(col("_metadata.file_path").as("path"),
                col("_metadata.row_index").plus(1).as("line"), id.as("doc_id"), source.as("source"),
                textIsString ? text.as("text") : lit(null).cast("string").as("text"));
        String textField = cfg.textField();
        return sel.map((org.apache.spark.api.java.function.MapFunction<Row, Row>) r -> {
            String path = r.getString(0);
            String name = names.getOrDefault(path, path.substring(path.lastIndexOf('/') + 1));
            long line = r.getLong(1);
            String text1 = r.getString(4);
            if (text1 == null) {
                return RowFactory.create(name + ":" + line, name, line, null, null, null,
                        textIsString ? "missing_field" : "wrong_type",
                        textIsString ? "\"" + textField + "\" is null" : "\"" + textField + "\" is not a string column");
            }
            String docId = r.isNullAt(2) ? name + ":" + line : r.getString(2);
            String src = r.isNullAt(3) ? name : r.getString(3);
            return RowFactory.create(name + ":" + line, name, line, docId, src, text1, null, null);
        }, org.apache.spark.sql.Encoders.row(Schemas.INGEST));
    }

    private Map<String, String> writeOutputs(Path output, StageStore store, Dataset<Row> ingest, Dataset<Row> clean,
                                             Dataset<Row> exact, Dataset<Row> near, Dataset<Row> fin)
            throws IOException {
        Map<String, String> outputs = new LinkedHashMap<>();
        Path corpus = output.resolve("corpus");
        for (String split : List.of("train", "validation", "test")) {
            outputs.put("corpus_" + split, corpus.resolve(split).toString());
        }
        Path rejects = output.resolve("rejects");
        Path quarantine = output.resolve("quarantine");
        outputs.put("rejects", rejects.toString());
        outputs.put("quarantine", quarantine.toString());
        if (store.done("write")) {
            return outputs;
        }
        for (String split : List.of("train", "validation", "test")) {
            fin.filter(col("split").equalTo(split))
                    .select(col("doc_id").as("id"), col("source"), col("text"))
                    .orderBy("id")
                    .write().mode(SaveMode.Overwrite).option("compression", "gzip")
                    .json(corpus.resolve(split).toUri().toString());
        }
        Dataset<Row> filtered = clean.filter(col("reason").isNotNull()).select(col("uid"), col("file"), col("line"),
                col("doc_id").as("id"), lit("filter").as("stage"), col("reason"), col("detail"),
                lit(null).cast("string").as("duplicate_of"), col("text"));
        Dataset<Row> exactRows = clean.join(exact, "uid").select(col("uid"), col("file"), col("line"),
                col("doc_id").as("id"), lit("exact_dedup").as("stage"), lit("exact_duplicate").as("reason"),
                lit(null).cast("string").as("detail"), col("dup_of").as("duplicate_of"), col("text"));
        Dataset<Row> nearRows = clean.join(near, "uid").select(col("uid"), col("file"), col("line"),
                col("doc_id").as("id"), lit("near_dedup").as("stage"), lit("near_duplicate").as("reason"),
                org.apache.spark.sql.functions.format_string("jaccard %.4f", col("similarity")).as("detail"),
                col("dup_of").as("duplicate_of"), col("text"));
        filtered.unionByName(exactRows).unionByName(nearRows).orderBy("file", "line").drop("uid")
                .write().mode(SaveMode.Overwrite).option("compression", "gzip")
                .json(rejects.toUri().toString());
        ingest.filter(col("reason").isNotNull()).select("file", "line", "reason", "detail").orderBy("file", "line")
                .coalesce(1).write().mode(SaveMode.Overwrite).json(quarantine.toUri().toString());
        store.mark("write", Map.of());
        return outputs;
    }

    private PrepReport report(List<PrepReport.InputStat> inputs, Dataset<Row> ingest, Dataset<Row> clean,
                              Dataset<Row> exact, Dataset<Row> near, Dataset<Row> fin, Map<String, Long> dedupStats,
                              List<PrepReport.Shard> shards, Map<String, String> outputs,
                              Map<String, Double> seconds, long t0) {
        long input = inputs.stream().mapToLong(PrepReport.InputStat::records).sum();
        long ingested = ingest.count();
        Map<String, Long> quarantined = countBy(ingest.filter(col("reason").isNotNull()), "reason");
        long parsed = ingested - sum(quarantined);
        Map<String, Long> filtered = countBy(clean.filter(col("reason").isNotNull()), "reason");
        long cleanRows = clean.count();
        long exactN = exact.count();
        long nearN = near.count();
        Map<String, Long> splits = new TreeMap<>(countBy(fin, "split"));
        for (String s : List.of("train", "validation", "test")) {
            splits.putIfAbsent(s, 0L);
        }
        long kept = sum(splits);
        boolean holds = input == ingested && cleanRows == parsed
                && input == kept + sum(filtered) + exactN + nearN + sum(quarantined);
        PrepReport.Counts counts = new PrepReport.Counts(input, kept, filtered, exactN, nearN, quarantined, holds);

        List<PrepReport.Stage> stages = new ArrayList<>();
        stages.add(new PrepReport.Stage("ingest", input, parsed, quarantined));
        long afterFilter = cleanRows - sum(filtered);
        stages.add(new PrepReport.Stage("clean", parsed, afterFilter, filtered));
        stages.add(new PrepReport.Stage("exact_dedup", afterFilter, afterFilter - exactN,
                Map.of("exact_duplicate", exactN)));
        stages.add(new PrepReport.Stage("near_dedup", afterFilter - exactN, afterFilter - exactN - nearN,
                Map.of("near_duplicate", nearN)));
        stages.add(new PrepReport.Stage("redact_split", afterFilter - exactN - nearN, kept, Map.of()));

        Map<String, Long> pii = new LinkedHashMap<>();
        List<Column> sums = new ArrayList<>();
        Column any = lit(0);
        for (PiiType tp : Transforms.PII_TYPES) {
            sums.add(org.apache.spark.sql.functions.sum(col("pii_" + tp.externalName())).as(tp.externalName()));
            any = any.plus(col("pii_" + tp.externalName()));
        }
        sums.add(org.apache.spark.sql.functions.sum(org.apache.spark.sql.functions.when(any.gt(0), 1).otherwise(0))
                .as("documents_redacted"));
        Row s = fin.agg(sums.get(0), sums.subList(1, sums.size()).toArray(new Column[0])).first();
        for (int i = 0; i < s.length(); i++) {
            pii.put(s.schema().fields()[i].name(), s.isNullAt(i) ? 0L : ((Number) s.get(i)).longValue());
        }
        seconds.put("total", (System.nanoTime() - t0) / 1e9);
        Map<String, String> sparkInfo = new LinkedHashMap<>();
        sparkInfo.put("master", spark.sparkContext().master());
        sparkInfo.put("version", spark.version());
        sparkInfo.put("default_parallelism", String.valueOf(spark.sparkContext().defaultParallelism()));
        return new PrepReport(inputs, counts, stages, splits, pii, dedupStats, shards, outputs, seconds, sparkInfo);
    }

    private Lineage lineage(PrepReport report, String fingerprint) {
        Map<String, Object> params = new LinkedHashMap<>(YamlBinder.toMap(config));
        params.put("inputs", report.inputs());
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("input_records", (double) report.counts().input());
        metrics.put("kept_documents", (double) report.counts().kept());
        metrics.put("filtered_documents", (double) report.counts().filteredTotal());
        metrics.put("exact_duplicates", (double) report.counts().exactDuplicates());
        metrics.put("near_duplicates", (double) report.counts().nearDuplicates());
        metrics.put("quarantined_records", (double) report.counts().quarantinedTotal());
        return Lineage.of("data-prep", null, "sha256:" + fingerprint, params, metrics, config.split().seed())
                .withEnvironment("spark", spark.version());
    }

    private static Map<String, Long> countBy(Dataset<Row> df, String column) {
        Map<String, Long> m = new TreeMap<>();
        for (Row r : df.groupBy(column).count().collectAsList()) {
            m.put(r.getString(0), r.getLong(1));
        }
        return m;
    }

    private static long sum(Map<String, Long> m) {
        return m.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * SHA-256 over the settings the stored stages depend on and every input's name and digest: identifies a
     * run's inputs for resume. Tokenization runs after the stored stages and is always redone, and the Spark
     * section only tunes the session, so neither is part of it: adding a tokenizer to a finished run reuses
     * every earlier stage.
     */
    private String fingerprint(List<PrepReport.InputStat> inputs) {
        PrepConfig stages = new PrepConfig(config.input(), config.normalize(), config.quality(), config.dedup(),
                config.pii(), config.split(), null, null);
        StringBuilder b = new StringBuilder(stages.toYaml());
        for (PrepReport.InputStat s : inputs) {
            b.append('\n').append(s.file()).append(' ').append(s.sha256());
        }
        return Transforms.hex(Transforms.sha256(b.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private static void done(ProgressListener.Progress p, Map<String, Double> seconds, String stage, long t) {
        double s = (System.nanoTime() - t) / 1e9;
        seconds.put(stage, s);
        LOG.info("stage {} finished in {} s", stage, String.format("%.1f", s));
        p.advance(1);
    }

    private static String rootMessage(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage();
    }
}
