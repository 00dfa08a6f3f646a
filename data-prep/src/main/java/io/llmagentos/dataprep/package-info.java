/**
 * Data preparation on Apache Spark: ingest, normalize, quality filters, PII redaction, exact and MinHash dedup, split, tokenize and pack into token shards. Filled by the data-prep issue.
 */
package io.llmagentos.dataprep;
