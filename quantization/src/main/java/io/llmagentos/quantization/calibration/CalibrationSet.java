package io.llmagentos.quantization.calibration;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.quantization.int8.QuantizationException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Token sequences that calibration runs the FP32 model on.
 *
 * @param source    where they came from (a file, or a description)
 * @param sequences token ids, one array per record
 */
public record CalibrationSet(String source, List<long[]> sequences) {
    public CalibrationSet {
        sequences = List.copyOf(sequences);
        for (long[] s : sequences) {
            if (s.length == 0) {
                throw new IllegalArgumentException("calibration set " + source + " holds an empty sequence");
            }
        }
    }

    /** Tokens in all sequences. */
    public long tokens() {
        return sequences.stream().mapToLong(s -> s.length).sum();
    }

    /** The first {@code n} sequences ({@code n = 0}: all). */
    public CalibrationSet limit(int n) {
        return n <= 0 || n >= sequences.size() ? this : new CalibrationSet(source, sequences.subList(0, n));
    }

    /**
     * Reads a JSON-lines file of {@code {"text": "..."}} records (the format of
     * {@code datasets-sample/data/calibration.jsonl}), or of question/answer records
     * ({@code {"question": "...", "answer": "..."}}, the eval set's format: the text is the question, a space and
     * the answer), and tokenizes each text, cut to {@code maxTokens}. Blank lines are skipped.
     *
     * @throws QuantizationException naming the file and line for a missing file, a line that is not a JSON
     *                               object with a string "text", or a file without one usable record
     */
    public static CalibrationSet readJsonl(Path file, Tokenizer tokenizer, int maxSamples, int maxTokens)
            throws QuantizationException, IOException {
        List<long[]> seqs = new ArrayList<>();
        int lineNo = 0;
        int blankTexts = 0;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null && (maxSamples <= 0 || seqs.size() < maxSamples)) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n;
                try {
                    n = JsonFields.MAPPER.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new QuantizationException(file + ":" + lineNo + ": not a JSON object ("
                            + e.getOriginalMessage() + "); each line must be {\"text\": \"...\"}");
                }
                String text;
                if (n != null && n.isObject() && n.path("text").isTextual()) {
                    text = n.get("text").asText();
                } else if (n != null && n.isObject() && n.path("question").isTextual() && n.path("answer").isTextual()) {
                    text = n.get("question").asText() + " " + n.get("answer").asText();
                } else {
                    throw new QuantizationException(file + ":" + lineNo + ": $.text: expected a string field \"text\" "
                            + "(or \"question\" and \"answer\"); each line must be {\"text\": \"...\"}");
                }
                if (text.isBlank()) {
                    blankTexts++;
                    continue;
                }
                int[] ids = tokenizer.encode(text);
                long[] seq = new long[Math.min(ids.length, maxTokens)];
                for (int i = 0; i < seq.length; i++) {
                    seq[i] = ids[i];
                }
                if (seq.length > 0) {
                    seqs.add(seq);
                }
            }
        } catch (NoSuchFileException e) {
            throw new QuantizationException(file + ": file not found; pass a JSON-lines file of {\"text\": ...} records "
                    + "such as datasets-sample/data/calibration.jsonl");
        }
        if (seqs.isEmpty()) {
            throw new QuantizationException(file + ": the set is empty (" + lineNo + " lines, " + blankTexts
                    + " with blank text); it needs at least one {\"text\": ...} record");
        }
        return new CalibrationSet(file.toString(), seqs);
    }

    @Override
    public String toString() {
        return "CalibrationSet[" + source + ", " + sequences.size() + " sequences, " + tokens() + " tokens]";
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof CalibrationSet c) || !c.source.equals(source) || c.sequences.size() != sequences.size()) {
            return false;
        }
        for (int i = 0; i < sequences.size(); i++) {
            if (!Arrays.equals(sequences.get(i), c.sequences.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return source.hashCode() * 31 + sequences.size();
    }
}
