package io.llmagentos.dataprep.internal;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Column layouts of the job's intermediate datasets. */
public final class Schemas {
    private Schemas() {
    }

    /**
     * One row per input record, good or bad. {@code uid} ({@code file:line}) is unique and joins stages;
     * {@code reason} is null for a record that parsed, else the quarantine reason.
     */
    public static final StructType INGEST = new StructType()
            .add("uid", DataTypes.StringType, false)
            .add("file", DataTypes.StringType, false)
            .add("line", DataTypes.LongType, false)
            .add("doc_id", DataTypes.StringType, true)
            .add("source", DataTypes.StringType, true)
            .add("text", DataTypes.StringType, true)
            .add("reason", DataTypes.StringType, true)
            .add("detail", DataTypes.StringType, true);

    /** After normalization and quality filters: {@code reason} set when a rule rejected the document. */
    public static final StructType CLEAN = new StructType()
            .add("uid", DataTypes.StringType, false)
            .add("file", DataTypes.StringType, false)
            .add("line", DataTypes.LongType, false)
            .add("doc_id", DataTypes.StringType, false)
            .add("source", DataTypes.StringType, true)
            .add("text", DataTypes.StringType, false)
            .add("reason", DataTypes.StringType, true)
            .add("detail", DataTypes.StringType, true)
            .add("boilerplate_lines", DataTypes.IntegerType, false)
            .add("html", DataTypes.BooleanType, false)
            .add("chars_in", DataTypes.LongType, false);

    /** Per input file: digest and record count, scanned independently of parsing. */
    public static final StructType FILES = new StructType()
            .add("file", DataTypes.StringType, false)
            .add("uri", DataTypes.StringType, false)
            .add("bytes", DataTypes.LongType, false)
            .add("sha256", DataTypes.StringType, false)
            .add("records", DataTypes.LongType, false);
}
