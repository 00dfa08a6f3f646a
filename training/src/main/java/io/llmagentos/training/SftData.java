package io.llmagentos.training;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.internal.Files2;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.json.JsonFormatException;
import io.llmagentos.core.tokenizer.ChatMessage;
import io.llmagentos.core.tokenizer.ChatMl;
import io.llmagentos.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * SFT examples from a JSONL file of chat records ({@code {"messages": [{"role", "content"}, …]}}), rendered
 * with the ChatML template. Only the assistant turns' content and their closing {@code <|im_end|>} carry
 * loss weight; system and user turns and the role headers are context. Each record is one example,
 * truncated to seq_len + 1 tokens and padded after. The last {@code validation_fraction} of records is
 * the validation split.
 */
public final class SftData implements TrainingData {
    private final List<int[]> ids = new ArrayList<>();
    private final List<boolean[]> trained = new ArrayList<>();
    private final int seqLen;
    private final int pad;
    private final int train;
    private final int validation;
    private final String digest;
    private int truncated;
    private int learnable;

    public SftData(Path file, Tokenizer tok, int seqLen, double validationFraction) throws IOException {
        this.seqLen = seqLen;
        this.digest = Files2.sha256(file);
        int end = tok.tokenId(ChatMl.END).orElseThrow(() -> new IOException(tok.source()
                + ": the tokenizer has no " + ChatMl.END + " token; SFT needs a ChatML tokenizer (train it with "
                + "--special-tokens including <|im_start|>,<|im_end|>)"));
        tok.tokenId(ChatMl.START).orElseThrow(() -> new IOException(tok.source() + ": the tokenizer has no "
                + ChatMl.START + " token; SFT needs a ChatML tokenizer"));
        String padText = tok.config().padToken();
        this.pad = padText != null && tok.tokenId(padText).isPresent() ? tok.tokenId(padText).getAsInt() : end;
        JsonFields f = new JsonFields(file);
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int ln = 0; ln < lines.size(); ln++) {
            String line = lines.get(ln);
            if (line.isBlank()) {
                continue;
            }
            String where = file + ":" + (ln + 1);
            JsonNode rec;
            try {
                rec = JsonFields.parseObject(where, line.getBytes(StandardCharsets.UTF_8));
            } catch (JsonFormatException e) {
                throw e;
            }
            JsonNode msgs = new JsonFields(where).requireArray(rec, "$", "messages");
            IntBuf out = new IntBuf();
            boolean anyAssistant = false;
            for (int i = 0; i < msgs.size(); i++) {
                String path = JsonFields.index("$.messages", i);
                JsonFields wf = new JsonFields(where);
                String role = wf.requireString(msgs.get(i), path, "role");
                String content = wf.requireString(msgs.get(i), path, "content");
                ChatMessage m;
                try {
                    m = new ChatMessage(role, content);
                } catch (IllegalArgumentException e) {
                    throw wf.error(path, e.getMessage());
                }
                boolean learn = "assistant".equals(m.role());
                anyAssistant |= learn;
                out.add(tok.encode(ChatMl.START + m.role() + "\n"), false);
                out.add(tok.encode(m.content()), learn);
                out.add(new int[] {end}, learn);
                out.add(tok.encode("\n"), false);
            }
            if (!anyAssistant) {
                throw f.error("$", where + ": the record has no assistant turn to learn from");
            }
            if (out.size() > seqLen + 1) {
                truncated++;
            }
            boolean[] mk = out.mask();
            for (int i = 1; i < Math.min(mk.length, seqLen + 1); i++) {
                if (mk[i]) {
                    learnable++;
                    break;
                }
            }
            ids.add(out.ids());
            trained.add(out.mask());
        }
        if (learnable == 0) {
            throw new IOException(file + ": no record has an assistant token within the first " + (seqLen + 1)
                    + " tokens, so there is nothing to learn; raise training.seq_len (the longest record has "
                    + ids.stream().mapToInt(a -> a.length).max().orElse(0) + " tokens)");
        }
        if (ids.size() < 2) {
            throw new IOException(file + ": needs at least 2 chat records (found " + ids.size() + ")");
        }
        int val = validationFraction == 0 ? 0 : (int) Math.max(1, Math.round(ids.size() * validationFraction));
        this.validation = val;
        this.train = ids.size() - val;
    }

    /** Records longer than seq_len + 1 tokens (their tail is cut). */
    public int truncated() {
        return truncated;
    }

    @Override
    public int trainSize() {
        return train;
    }

    @Override
    public int validationSize() {
        return validation;
    }

    @Override
    public int seqLen() {
        return seqLen;
    }

    @Override
    public void train(int index, int[] input, int[] target, float[] weight) {
        fill(index, input, target, weight);
    }

    @Override
    public void validation(int index, int[] input, int[] target, float[] weight) {
        fill(train + index, input, target, weight);
    }

    private void fill(int r, int[] input, int[] target, float[] weight) {
        int[] x = ids.get(r);
        boolean[] learn = trained.get(r);
        Arrays.fill(input, pad);
        Arrays.fill(target, pad);
        Arrays.fill(weight, 0f);
        int n = Math.min(x.length, seqLen + 1);
        for (int i = 0; i < n; i++) {
            if (i < seqLen) {
                input[i] = x[i];
            }
            if (i > 0) {
                target[i - 1] = x[i];
                weight[i - 1] = learn[i] ? 1f : 0f;
            }
        }
    }

    @Override
    public String digest() {
        return digest;
    }

    @Override
    public void close() {
    }

    private static final class IntBuf {
        private int[] a = new int[64];
        private boolean[] m = new boolean[64];
        private int n;

        void add(int[] ids, boolean learn) {
            while (n + ids.length > a.length) {
                a = Arrays.copyOf(a, a.length * 2);
                m = Arrays.copyOf(m, m.length * 2);
            }
            for (int id : ids) {
                a[n] = id;
                m[n++] = learn;
            }
        }

        int size() {
            return n;
        }

        int[] ids() {
            return Arrays.copyOf(a, n);
        }

        boolean[] mask() {
            return Arrays.copyOf(m, n);
        }
    }
}
