package io.llmagentos.dataprep.internal;

import io.llmagentos.core.pii.PiiRedactor;
import io.llmagentos.core.pii.PiiType;
import io.llmagentos.dataprep.PrepConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The per-document steps, as Spark partition functions over rows (one normalizer/redactor per partition). */
public final class Transforms {
    private Transforms() {
    }

    /** INGEST rows without a quarantine reason → {@link Schemas#CLEAN} rows. */
    public static MapPartitionsFunction<Row, Row> cleanAndFilter(PrepConfig config) {
        PrepConfig.Normalize norm = config.normalize();
        PrepConfig.Quality quality = config.quality();
        return rows -> {
            TextNormalizer normalizer = new TextNormalizer(norm);
            QualityFilter filter = new QualityFilter(quality);
            return new MappingIterator<>(rows, r -> {
                String raw = r.getString(5);
                TextNormalizer.Result n = normalizer.normalize(raw);
                QualityFilter.Verdict v = filter.check(n.text());
                return RowFactory.create(r.getString(0), r.getString(1), r.getLong(2), r.getString(3), r.getString(4),
                        n.text(), v == null ? null : v.reason(), v == null ? null : v.detail(), n.boilerplateLines(),
                        n.html(), (long) raw.length());
            });
        };
    }

    /** PII types in report/column order. */
    public static final List<PiiType> PII_TYPES = List.of(PiiType.values());

    /** Kept documents after redaction and split assignment. */
    public static final StructType FINAL = finalSchema();

    private static StructType finalSchema() {
        StructType s = new StructType()
                .add("uid", DataTypes.StringType, false)
                .add("file", DataTypes.StringType, false)
                .add("line", DataTypes.LongType, false)
                .add("doc_id", DataTypes.StringType, false)
                .add("source", DataTypes.StringType, true)
                .add("text", DataTypes.StringType, false)
                .add("split", DataTypes.StringType, false);
        for (PiiType t : PII_TYPES) {
            s = s.add("pii_" + t.externalName(), DataTypes.IntegerType, false);
        }
        return s;
    }

    /** Rows (uid, file, line, doc_id, source, text) → {@link #FINAL}. */
    public static MapPartitionsFunction<Row, Row> redactAndSplit(PrepConfig config) {
        PrepConfig.Pii pii = config.pii();
        PrepConfig.Split split = config.split();
        return rows -> {
            Set<PiiType> types = EnumSet.noneOf(PiiType.class);
            for (String t : pii.types()) {
                types.add(PiiType.fromExternalName(t));
            }
            PiiRedactor redactor = pii.enabled() ? new PiiRedactor(types) : null;
            Iterator<Row> it = rows;
            return new MappingIterator<>(it, r -> {
                String text = r.getString(5);
                Object[] v = new Object[7 + PII_TYPES.size()];
                v[0] = r.getString(0);
                v[1] = r.getString(1);
                v[2] = r.getLong(2);
                v[3] = r.getString(3);
                v[4] = r.getString(4);
                PiiRedactor.Redaction red = redactor == null ? null : redactor.redact(text);
                v[5] = red == null ? text : red.text();
                v[6] = splitOf(r.getString(3), split);
                for (int i = 0; i < PII_TYPES.size(); i++) {
                    v[7 + i] = red == null ? 0 : red.counts().getOrDefault(PII_TYPES.get(i), 0);
                }
                return RowFactory.create(v);
            });
        };
    }

    /**
     * The split of a document: the first 8 bytes of SHA-256("seed:doc_id") as an unsigned fraction u in
     * [0, 1); train when u &lt; train, validation when u &lt; train + validation, else test. Depends on
     * nothing but the id and the seed, so a document stays in its split across runs and machines.
     */
    public static String splitOf(String docId, PrepConfig.Split split) {
        byte[] h = sha256((split.seed() + ":" + docId).getBytes(StandardCharsets.UTF_8));
        long bits = 0;
        for (int i = 0; i < 7; i++) {
            bits = (bits << 8) | (h[i] & 0xff);
        }
        double u = bits / (double) (1L << 56);
        if (u < split.train()) {
            return "train";
        }
        if (u < split.train() + split.validation()) {
            return "validation";
        }
        return "test";
    }

    public static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String hex(byte[] b) {
        StringBuilder s = new StringBuilder(b.length * 2);
        for (byte x : b) {
            s.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        }
        return s.toString();
    }
}
