package io.llmagentos.dataprep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.tokenizer.ChatMessage;
import io.llmagentos.core.tokenizer.ChatMl;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.dataprep.internal.Transforms;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns chat records ({@code {"id", "messages": [{"role", "content"}, …]}}) into training examples in
 * the ChatML template: {@code {"id", "input_ids", "labels"}} where {@code labels} repeats the ids of what
 * the assistant says (its content and {@code <|im_end|>\n}) and is {@value #IGNORE} everywhere else
 * (system and user turns, role headers), the convention of {@code transformers}' loss. SFT sets are small,
 * so this runs in plain Java; each example lands in train or validation by the same id hash as the corpus.
 *
 * <p>Every example is checked: the masked segments, tokenized one by one, must concatenate to the
 * tokenization of the whole rendered chat, so a tokenizer that merges across a turn boundary fails
 * loudly instead of shifting the mask.
 */
public final class SftFormatter {
    /** Label of a token that does not count in the loss. */
    public static final int IGNORE = -100;
    private static final Logger LOG = LoggerFactory.getLogger(SftFormatter.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Tokenizer tokenizer;
    private final int maxTokens;
    private final PrepConfig.Split split;

    /**
     * @param maxTokens longer examples are rejected with reason {@code too_long} (truncating would cut the answer)
     * @param split     train/validation/test fractions and seed; test examples go to {@code sft-test.jsonl}
     */
    public SftFormatter(Tokenizer tokenizer, int maxTokens, PrepConfig.Split split) {
        if (maxTokens < 2) {
            throw new IllegalArgumentException("maxTokens must be >= 2 (got " + maxTokens + ")");
        }
        if (tokenizer.tokenId(ChatMl.START).isEmpty() || tokenizer.tokenId(ChatMl.END).isEmpty()) {
            throw new IllegalArgumentException("tokenizer " + tokenizer.source() + " has no " + ChatMl.START + " / "
                    + ChatMl.END + " special tokens; train it with them (agentos tokenizer train --special-tokens …)");
        }
        this.tokenizer = tokenizer;
        this.maxTokens = maxTokens;
        this.split = split;
    }

    /** One formatted example. */
    public record Example(String id, int[] inputIds, int[] labels) {
        /** Tokens that count in the loss. */
        public int trainedTokens() {
            return (int) Arrays.stream(labels).filter(l -> l != IGNORE).count();
        }
    }

    /** Result counts: {@code records = written + rejected (by reason)}. */
    public record Summary(long records, Map<String, Long> written, Map<String, Long> rejected, long tokens,
                          long trainedTokens, Map<String, String> outputs) {
    }

    /** Formats one chat; the mask covers the assistant turns only. */
    public Example format(String id, List<ChatMessage> messages) {
        List<Integer> ids = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        StringBuilder prompt = new StringBuilder();
        for (ChatMessage m : messages) {
            if (m.role().equals("assistant")) {
                prompt.append(ChatMl.generationPrompt());
                append(ids, labels, prompt.toString(), false);
                prompt.setLength(0);
                append(ids, labels, m.content() + ChatMl.END + "\n", true);
            } else {
                prompt.append(ChatMl.message(m));
            }
        }
        if (prompt.length() > 0) {
            append(ids, labels, prompt.toString(), false);
        }
        int[] in = ids.stream().mapToInt(Integer::intValue).toArray();
        int[] whole = tokenizer.encode(ChatMl.render(messages, false));
        if (!Arrays.equals(in, whole)) {
            throw new IllegalStateException("SFT example " + id + ": tokenizing the turns one by one differs from "
                    + "tokenizing the whole chat, so the loss mask would be misplaced; this tokenizer merges across "
                    + "turn boundaries");
        }
        return new Example(id, in, labels.stream().mapToInt(Integer::intValue).toArray());
    }

    private void append(List<Integer> ids, List<Integer> labels, String text, boolean trained) {
        for (int t : tokenizer.encode(text)) {
            ids.add(t);
            labels.add(trained ? t : IGNORE);
        }
    }

    /**
     * Reads chat JSONL and writes {@code sft-train.jsonl}, {@code sft-validation.jsonl}, {@code sft-test.jsonl}
     * (tokenized, masked), {@code sft-chat-<split>.jsonl} (the valid chat records of each split as they came,
     * which the training stage's {@code data.sft} reads) and {@code sft-rejects.jsonl} (file, line, reason,
     * detail) to {@code outDir}.
     */
    public Summary formatFile(Path input, Path outDir) throws IOException {
        Files.createDirectories(outDir);
        Map<String, BufferedWriter> writers = new LinkedHashMap<>();
        Map<String, Path> temps = new LinkedHashMap<>();
        for (String s : List.of("train", "validation", "test", "rejects", "chat-train", "chat-validation", "chat-test")) {
            Path tmp = outDir.resolve(".sft-" + s + ".jsonl.tmp");
            temps.put(s, tmp);
            writers.put(s, Files.newBufferedWriter(tmp, StandardCharsets.UTF_8));
        }
        Map<String, Long> written = new TreeMap<>();
        Map<String, Long> rejected = new TreeMap<>();
        long records = 0;
        long tokens = 0;
        long trained = 0;
        String file = input.getFileName().toString();
        try (BufferedReader r = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
            String line;
            long lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                records++;
                String[] problem = new String[2];
                Example ex = parse(line, problem, file + ":" + lineNo);
                if (ex != null && ex.inputIds().length > maxTokens) {
                    problem[0] = "too_long";
                    problem[1] = ex.inputIds().length + " tokens > " + maxTokens;
                    ex = null;
                }
                if (ex == null) {
                    rejected.merge(problem[0], 1L, Long::sum);
                    ObjectNode o = JSON.createObjectNode().put("file", file).put("line", lineNo)
                            .put("reason", problem[0]).put("detail", problem[1]);
                    writers.get("rejects").write(JSON.writeValueAsString(o));
                    writers.get("rejects").write('\n');
                    continue;
                }
                String s = Transforms.splitOf(ex.id(), split);
                ObjectNode o = JSON.createObjectNode().put("id", ex.id());
                ArrayNode ids = o.putArray("input_ids");
                Arrays.stream(ex.inputIds()).forEach(ids::add);
                ArrayNode labels = o.putArray("labels");
                Arrays.stream(ex.labels()).forEach(labels::add);
                writers.get(s).write(JSON.writeValueAsString(o));
                writers.get(s).write('\n');
                writers.get("chat-" + s).write(line);
                writers.get("chat-" + s).write('\n');
                written.merge(s, 1L, Long::sum);
                tokens += ex.inputIds().length;
                trained += ex.trainedTokens();
            }
        } finally {
            for (BufferedWriter w : writers.values()) {
                w.close();
            }
        }
        Map<String, String> outputs = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : temps.entrySet()) {
            Path target = outDir.resolve("sft-" + e.getKey() + ".jsonl");
            Files.move(e.getValue(), target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            outputs.put("sft_" + e.getKey(), target.toString());
        }
        LOG.info("SFT: {} records → written {}, rejected {}; {} tokens, {} in the loss", records, written, rejected,
                tokens, trained);
        return new Summary(records, written, rejected, tokens, trained, outputs);
    }

    private Example parse(String line, String[] problem, String fallbackId) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            problem[0] = "malformed_json";
            problem[1] = e.getOriginalMessage();
            return null;
        }
        if (n == null || !n.isObject() || !n.path("messages").isArray() || n.path("messages").isEmpty()) {
            problem[0] = "no_messages";
            problem[1] = "expected an object with a non-empty \"messages\" array";
            return null;
        }
        List<ChatMessage> msgs = new ArrayList<>();
        boolean answer = false;
        int i = 0;
        for (JsonNode m : n.get("messages")) {
            if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
                problem[0] = "bad_message";
                problem[1] = "messages[" + i + "] needs string \"role\" and \"content\"";
                return null;
            }
            try {
                msgs.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
            } catch (IllegalArgumentException e) {
                problem[0] = "bad_message";
                problem[1] = "messages[" + i + "]: " + e.getMessage();
                return null;
            }
            answer |= m.get("role").asText().equals("assistant");
            i++;
        }
        if (!answer) {
            problem[0] = "no_assistant_turn";
            problem[1] = "nothing to learn: no assistant message";
            return null;
        }
        String id = n.path("id").isTextual() ? n.get("id").asText() : fallbackId;
        return format(id, msgs);
    }
}
