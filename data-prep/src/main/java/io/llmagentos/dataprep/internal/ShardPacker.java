package io.llmagentos.dataprep.internal;

import static org.apache.spark.sql.functions.col;

import io.llmagentos.core.shards.ShardHeader;
import io.llmagentos.core.shards.TokenShardWriter;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.dataprep.PrepConfig;
import io.llmagentos.dataprep.PrepException;
import io.llmagentos.dataprep.PrepReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Tokenizes the kept documents with the core tokenizer and packs them into token shards
 * ({@code <dir>/<split>/<split>-NNNNN.tokens}, so each split opens as one {@code TokenShardSet}), one shard per
 * Spark partition: documents go to {@code shardsPerSplit} partitions by hash of their id and are packed
 * in id order, so the shards are the same on every run. Executors load the tokenizer from its path and
 * write the shards themselves (a shared file system on a cluster); the driver only gathers the counts.
 */
public final class ShardPacker {
    private static final StructType SHARD = new StructType()
            .add("split", DataTypes.StringType, false)
            .add("file", DataTypes.StringType, false)
            .add("documents", DataTypes.LongType, false)
            .add("tokens", DataTypes.LongType, false)
            .add("sequences", DataTypes.LongType, false);

    private ShardPacker() {
    }

    public static List<PrepReport.Shard> pack(SparkSession spark, Dataset<Row> docs, PrepConfig.Tokenize cfg, Path dir)
            throws PrepException, IOException {
        Path tokPath = Path.of(cfg.tokenizer()).toAbsolutePath();
        Tokenizer tok;
        try {
            tok = Tokenizer.load(tokPath);
        } catch (IOException e) {
            throw new PrepException("tokenize.tokenizer: " + e.getMessage(), e);
        }
        int eos = specialId(tok, tok.config().eosToken(), cfg.eosToken(), "eosToken", tokPath);
        int pad = specialId(tok, tok.config().padToken(), cfg.padToken(), "padToken", tokPath);
        int vocab = tok.vocabSize();
        String digest = tok.digest();
        int seqLen = cfg.seqLen();
        Files.createDirectories(dir);
        for (String split : List.of("train", "validation", "test")) {
            Path sub = dir.resolve(split);
            Files.createDirectories(sub);
            try (Stream<Path> old = Files.list(sub)) {
                for (Path f : old.filter(f -> f.getFileName().toString().endsWith(".tokens")).toList()) {
                    Files.delete(f);
                }
            }
        }
        String tokUri = tokPath.toString();
        String dirStr = dir.toAbsolutePath().toString();
        List<PrepReport.Shard> out = new ArrayList<>();
        for (String split : List.of("train", "validation", "test")) {
            Dataset<Row> part = docs.filter(col("split").equalTo(split)).select("doc_id", "text")
                    .repartition(cfg.shardsPerSplit(), col("doc_id")).sortWithinPartitions("doc_id");
            MapPartitionsFunction<Row, Row> write = rows -> packPartition(rows, split, tokUri, dirStr, vocab, seqLen,
                    digest, eos, pad);
            for (Row r : part.mapPartitions(write, Encoders.row(SHARD)).collectAsList()) {
                out.add(new PrepReport.Shard(r.getString(0), r.getString(0) + "/" + r.getString(1), r.getLong(2), r.getLong(3), r.getLong(4)));
            }
        }
        out.sort(Comparator.comparing(PrepReport.Shard::file));
        return out;
    }

    private static Iterator<Row> packPartition(Iterator<Row> rows, String split, String tokPath, String dir, int vocab,
                                               int seqLen, String digest, int eos, int pad) throws IOException {
        if (!rows.hasNext()) {
            return List.<Row>of().iterator();
        }
        Tokenizer tok = Tokenizer.load(Path.of(tokPath));
        if (!tok.digest().equals(digest)) {
            throw new IOException(tokPath + ": tokenizer changed while the job ran (digest " + tok.digest()
                    + ", expected " + digest + ")");
        }
        String name = String.format("%s-%05d.tokens", split, TaskContext.getPartitionId());
        Path file = Path.of(dir, split, name);
        try (TokenShardWriter w = new TokenShardWriter(file, vocab, seqLen, digest, eos, pad)) {
            while (rows.hasNext()) {
                w.addDocument(tok.encode(rows.next().getString(1)));
            }
            long tokens = w.tokenCount();
            long docs = w.documentCount();
            ShardHeader h = w.finish();
            return List.of(RowFactory.create(split, name, docs, tokens, h.sequenceCount())).iterator();
        }
    }

    private static int specialId(Tokenizer tok, String fromConfig, String fallback, String field, Path path)
            throws PrepException {
        String token = fromConfig != null ? fromConfig : fallback;
        OptionalInt id = tok.tokenId(token);
        if (id.isEmpty()) {
            throw new PrepException(path + ": tokenizer has no token \"" + token + "\" to use as "
                    + field + "; set tokenize." + field + " to one of its special tokens " + tok.specialTokens());
        }
        return id.getAsInt();
    }
}
