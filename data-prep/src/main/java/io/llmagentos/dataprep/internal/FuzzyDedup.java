package io.llmagentos.dataprep.internal;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;

import io.llmagentos.dataprep.PrepConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.feature.MinHashLSH;
import org.apache.spark.ml.feature.MinHashLSHModel;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Near-duplicate removal: word shingles → Spark MLlib {@link MinHashLSH} signatures → LSH banding
 * (a pair is a candidate when all {@code rowsPerBand} MinHash values of one band agree) → the exact
 * Jaccard of every candidate pair → connected components of the pairs at or above the threshold, keeping
 * the smallest (doc_id, uid) of each component. Banding (rather than MLlib's one-value-per-table join)
 * keeps candidate counts near-linear on templated corpora where many documents share some shingles.
 *
 * <p>The similar pairs are collected on the driver for the union-find: fine up to tens of millions of
 * pairs; buckets holding more than {@link #MAX_BUCKET} documents are linked as a star to their first
 * member instead of all pairs, with a warning.
 */
public final class FuzzyDedup {
    private static final Logger LOG = LoggerFactory.getLogger(FuzzyDedup.class);
    static final int MAX_BUCKET = 200;

    private static final StructType FEATURES = new StructType()
            .add("uid", DataTypes.StringType, false)
            .add("doc_id", DataTypes.StringType, false)
            .add("shingles", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
            .add("features", SQLDataTypes.VectorType(), false);
    private static final StructType BAND = new StructType()
            .add("band_key", DataTypes.LongType, false)
            .add("doc_id", DataTypes.StringType, false)
            .add("uid", DataTypes.StringType, false);
    private static final StructType PAIR = new StructType()
            .add("uid_a", DataTypes.StringType, false)
            .add("uid_b", DataTypes.StringType, false);

    /** Result: the duplicates to drop, and what was measured. */
    public record Result(Dataset<Row> duplicates, long candidatePairs, long similarPairs, long clusters) {
    }

    /** Output columns of {@link Result#duplicates()}: uid, dup_of (doc_id of the kept document), similarity. */
    public static final StructType DUPLICATES = new StructType()
            .add("uid", DataTypes.StringType, false)
            .add("dup_of", DataTypes.StringType, false)
            .add("similarity", DataTypes.DoubleType, false);

    private FuzzyDedup() {
    }

    /** {@code docs} has columns uid, doc_id, text. */
    public static Result run(SparkSession spark, Dataset<Row> docs, PrepConfig.Dedup cfg) {
        int shingleSize = cfg.shingleSize();
        Dataset<Row> feats = docs.select("uid", "doc_id", "text").mapPartitions(
                (MapPartitionsFunction<Row, Row>) rows -> new MappingIterator<>(rows, r -> {
                    int[] h = Shingles.hashed(r.getString(2), shingleSize);
                    if (h.length == 0) {
                        return null;
                    }
                    double[] ones = new double[h.length];
                    java.util.Arrays.fill(ones, 1.0);
                    return RowFactory.create(r.getString(0), r.getString(1), h, Vectors.sparse(Shingles.DIMENSION, h, ones));
                }), Encoders.row(FEATURES)).persist(StorageLevel.MEMORY_AND_DISK());

        if (feats.isEmpty()) {
            feats.unpersist();
            return new Result(spark.createDataFrame(List.of(), DUPLICATES), 0, 0, 0);
        }
        int bands = cfg.bands();
        int rows = cfg.rowsPerBand();
        MinHashLSHModel model = new MinHashLSH().setNumHashTables(bands * rows).setSeed(cfg.seed())
                .setInputCol("features").setOutputCol("hashes").fit(feats);
        Dataset<Row> keys = model.transform(feats).select("doc_id", "uid", "hashes").flatMap(
                (FlatMapFunction<Row, Row>) r -> {
                    List<Vector> hashes = r.<Vector>getList(2);
                    List<Row> out = new ArrayList<>(bands);
                    for (int b = 0; b < bands; b++) {
                        long key = b;
                        for (int k = 0; k < rows; k++) {
                            key = key * 1_000_003L + (long) hashes.get(b * rows + k).apply(0);
                        }
                        out.add(RowFactory.create(key * 31 + b, r.getString(0), r.getString(1)));
                    }
                    return out.iterator();
                }, Encoders.row(BAND));

        Dataset<Row> pairs = keys.groupBy("band_key")
                .agg(collect_list(struct(col("doc_id"), col("uid"))).as("members"))
                .filter(size(col("members")).gt(1))
                .flatMap((FlatMapFunction<Row, Row>) r -> candidatePairs(r.<Row>getList(1)).iterator(),
                        Encoders.row(PAIR))
                .distinct();

        Dataset<Row> a = feats.select(col("uid").as("uid_a"), col("doc_id").as("doc_a"), col("shingles").as("sh_a"));
        Dataset<Row> b = feats.select(col("uid").as("uid_b"), col("doc_id").as("doc_b"), col("shingles").as("sh_b"));
        double threshold = cfg.jaccard();
        Dataset<Row> scored = pairs.join(a, "uid_a").join(b, "uid_b").map(
                (org.apache.spark.api.java.function.MapFunction<Row, Row>) r -> RowFactory.create(
                        r.<String>getAs("uid_a"), r.<String>getAs("doc_a"), r.<String>getAs("uid_b"),
                        r.<String>getAs("doc_b"), Shingles.jaccard(ints(r.getList(r.fieldIndex("sh_a"))), ints(r.getList(r.fieldIndex("sh_b"))))),
                Encoders.row(new StructType().add("uid_a", DataTypes.StringType).add("doc_a", DataTypes.StringType)
                        .add("uid_b", DataTypes.StringType).add("doc_b", DataTypes.StringType)
                        .add("sim", DataTypes.DoubleType))).persist(StorageLevel.MEMORY_AND_DISK());
        long candidates = scored.count();
        List<Row> similar = scored.filter(col("sim").geq(threshold - 1e-12)).collectAsList();
        scored.unpersist();
        feats.unpersist();

        List<Row> dups = components(similar);
        long clusters = similar.isEmpty() ? 0 : countClusters(similar);
        LOG.info("near-dup: {} candidate pairs, {} at Jaccard >= {}, {} clusters, {} duplicates",
                candidates, similar.size(), threshold, clusters, dups.size());
        return new Result(spark.createDataFrame(dups, DUPLICATES), candidates, similar.size(), clusters);
    }

    private static int[] ints(List<Integer> list) {
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }

    static List<Row> candidatePairs(List<Row> members) {
        List<Row> m = new ArrayList<>(members);
        m.sort(Comparator.comparing((Row r) -> r.getString(0)).thenComparing(r -> r.getString(1)));
        List<Row> out = new ArrayList<>();
        if (m.size() > MAX_BUCKET) {
            LOG.warn("LSH bucket with {} documents (first {}): linking each to the first only; raise "
                    + "dedup.rowsPerBand if this is frequent", m.size(), m.get(0).getString(0));
            for (int j = 1; j < m.size(); j++) {
                out.add(RowFactory.create(m.get(0).getString(1), m.get(j).getString(1)));
            }
            return out;
        }
        for (int i = 0; i < m.size(); i++) {
            for (int j = i + 1; j < m.size(); j++) {
                out.add(RowFactory.create(m.get(i).getString(1), m.get(j).getString(1)));
            }
        }
        return out;
    }

    /** Union-find over similar pairs; every member but the smallest (doc_id, uid) is a duplicate. */
    static List<Row> components(List<Row> similar) {
        Map<String, String> parent = new HashMap<>();
        Map<String, String> docOf = new HashMap<>();
        Map<String, Double> best = new HashMap<>();
        for (Row r : similar) {
            String ua = r.getString(0);
            String ub = r.getString(2);
            docOf.put(ua, r.getString(1));
            docOf.put(ub, r.getString(3));
            best.merge(ua, r.getDouble(4), Math::max);
            best.merge(ub, r.getDouble(4), Math::max);
            union(parent, ua, ub);
        }
        Comparator<String> order = Comparator.comparing((String u) -> docOf.get(u)).thenComparing(u -> u);
        Map<String, String> rep = new HashMap<>();
        for (String u : docOf.keySet()) {
            String root = find(parent, u);
            rep.merge(root, u, (x, y) -> order.compare(x, y) <= 0 ? x : y);
        }
        List<Row> out = new ArrayList<>();
        List<String> uids = new ArrayList<>(docOf.keySet());
        uids.sort(order);
        for (String u : uids) {
            String r = rep.get(find(parent, u));
            if (!r.equals(u)) {
                out.add(RowFactory.create(u, docOf.get(r), best.get(u)));
            }
        }
        return out;
    }

    private static long countClusters(List<Row> similar) {
        Map<String, String> parent = new HashMap<>();
        for (Row r : similar) {
            union(parent, r.getString(0), r.getString(2));
        }
        return parent.keySet().stream().map(u -> find(parent, u)).distinct().count();
    }

    private static void union(Map<String, String> parent, String a, String b) {
        String ra = find(parent, a);
        String rb = find(parent, b);
        if (!ra.equals(rb)) {
            parent.put(ra, rb);
        }
    }

    private static String find(Map<String, String> parent, String x) {
        String r = x;
        while (parent.containsKey(r) && !parent.get(r).equals(r)) {
            r = parent.get(r);
        }
        String c = x;
        while (!c.equals(r)) {
            String next = parent.get(c);
            parent.put(c, r);
            c = next;
        }
        parent.putIfAbsent(r, r);
        return r;
    }
}
