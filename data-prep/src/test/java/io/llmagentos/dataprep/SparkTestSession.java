package io.llmagentos.dataprep;

import org.apache.spark.sql.SparkSession;

/** One small local Spark session for a test class: local[2], no UI, two shuffle partitions. */
final class SparkTestSession {
    private SparkTestSession() {
    }

    static SparkSession start() {
        return DataPrep.createSession("local[2]", new PrepConfig.Spark("local[2]", 2));
    }
}
