package io.llmagentos.dataprep.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmagentos.dataprep.PrepConfig;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordReaderTest {
    @TempDir
    Path tmp;

    private static List<Row> all(Iterator<Row> it) {
        List<Row> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void jsonlLinesKeepTheirNumbersThroughGzipAndCrlf() throws Exception {
        Path f = tmp.resolve("x.jsonl.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(f))) {
            o.write(("{\"id\":\"a\",\"text\":\"one\",\"source\":\"kb\"}\r\n{\"text\":\"two\"}\n{oops}\n{\"id\":\"c\"}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        List<Row> rows = all(RecordReader.read(f.toUri().toString(), "x.jsonl.gz", PrepConfig.Format.JSONL,
                PrepConfig.Input.defaults()));
        assertThat(rows).hasSize(4);
        assertThat(rows.get(0).getString(0)).isEqualTo("x.jsonl.gz:1");
        assertThat(rows.get(0).getString(4)).isEqualTo("kb");
        assertThat(rows.get(0).getString(5)).isEqualTo("one");
        assertThat(rows.get(1).getString(3)).isEqualTo("x.jsonl.gz:2");   // no id: file:line
        assertThat(rows.get(1).getString(4)).isEqualTo("x.jsonl.gz");     // no source: file name
        assertThat(rows.get(2).getString(6)).isEqualTo("malformed_json");
        assertThat(rows.get(2).getString(7)).contains("column");
        assertThat(rows.get(3).getLong(2)).isEqualTo(4);
        assertThat(rows.get(3).getString(6)).isEqualTo("missing_field");
    }

    @Test
    void invalidUtf8IsQuarantinedWithItsByteOrReplaced() throws Exception {
        Path f = tmp.resolve("u.jsonl");
        byte[] line = "{\"text\":\"ab\"}\n".getBytes(StandardCharsets.UTF_8);
        line[10] = (byte) 0x80;
        Files.write(f, line);
        Row q = all(RecordReader.read(f.toUri().toString(), "u.jsonl", PrepConfig.Format.JSONL,
                PrepConfig.Input.defaults())).get(0);
        assertThat(q.getString(6)).isEqualTo("invalid_utf8");
        assertThat(q.getString(7)).isEqualTo("invalid UTF-8 at byte 10 (80 22 7d)");
        PrepConfig.Input replace = new PrepConfig.Input(null, null, null, null, PrepConfig.InvalidUtf8.REPLACE, null);
        Row kept = all(RecordReader.read(f.toUri().toString(), "u.jsonl", PrepConfig.Format.JSONL, replace)).get(0);
        assertThat(kept.getString(5)).isEqualTo("a\uFFFD");
    }

    @Test
    void csvQuotedFieldsMayHoldSeparatorsQuotesAndNewlines() throws Exception {
        Path f = tmp.resolve("c.csv");
        Files.writeString(f, "text,id\n\"a, \"\"quoted\"\"\nline\",x1\nplain,x2\n\"never closed,x3\n");
        List<Row> rows = all(RecordReader.read(f.toUri().toString(), "c.csv", PrepConfig.Format.CSV,
                PrepConfig.Input.defaults()));
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0).getString(5)).isEqualTo("a, \"quoted\"\nline");
        assertThat(rows.get(0).getLong(2)).isEqualTo(2);
        assertThat(rows.get(1).getLong(2)).isEqualTo(4);
        assertThat(rows.get(2).getString(6)).isEqualTo("csv_unterminated_quote");
        assertThat(RecordReader.countRecords(new ByteArrayInputStream(Files.readAllBytes(f)), PrepConfig.Format.CSV, ','))
                .isEqualTo(2);   // the unterminated quote swallows the rest: the count is a lower bound there
    }

    @Test
    void countRecordsCountsLinesWithOrWithoutAFinalNewline() throws Exception {
        assertThat(RecordReader.countRecords(new ByteArrayInputStream("a\nb\n".getBytes()), PrepConfig.Format.JSONL, ','))
                .isEqualTo(2);
        assertThat(RecordReader.countRecords(new ByteArrayInputStream("a\n\nb".getBytes()), PrepConfig.Format.JSONL, ','))
                .isEqualTo(3);
        assertThat(RecordReader.countRecords(new ByteArrayInputStream(new byte[0]), PrepConfig.Format.JSONL, ','))
                .isZero();
    }

    @Test
    void aTruncatedGzipKeepsItsReadableLinesAndQuarantinesTheRest() throws Exception {
        Path full = tmp.resolve("full.jsonl.gz");
        StringBuilder b = new StringBuilder();
        java.util.Random rnd = new java.util.Random(1);
        for (int i = 0; i < 5000; i++) {
            b.append("{\"id\":\"d").append(i).append("\",\"text\":\"").append(Long.toHexString(rnd.nextLong()))
                    .append(" line ").append(i).append("\"}\n");
        }
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(full))) {
            o.write(b.toString().getBytes(StandardCharsets.UTF_8));
        }
        byte[] bytes = Files.readAllBytes(full);
        Path cut = tmp.resolve("cut.jsonl.gz");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        List<Row> rows = all(RecordReader.read(cut.toUri().toString(), "cut.jsonl.gz", PrepConfig.Format.JSONL,
                PrepConfig.Input.defaults()));
        Row last = rows.get(rows.size() - 1);
        assertThat(last.getString(6)).isEqualTo("unreadable_rest");
        assertThat(last.getString(7)).startsWith("the file cannot be read past line " + (rows.size() - 1));
        assertThat(rows.subList(0, rows.size() - 1)).allSatisfy(r -> assertThat(r.isNullAt(6)).isTrue());
        assertThat(rows.size()).isGreaterThan(1000);
        try (var in = LineSource.openDecompressed(cut.toUri().toString())) {
            assertThat(RecordReader.countRecords(in, PrepConfig.Format.JSONL, ',')).isEqualTo(rows.size());
        }
    }
}
