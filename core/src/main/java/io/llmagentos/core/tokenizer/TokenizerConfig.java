package io.llmagentos.core.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.json.JsonFields;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code tokenizer_config.json}, the file {@code transformers} reads beside {@code tokenizer.json}: the
 * role of each special token and the chat template. Fields this record does not model are kept in
 * {@code extra} and written back unchanged.
 *
 * @param bosToken       beginning-of-sequence token text, or null
 * @param eosToken       end-of-sequence token text, or null
 * @param padToken       padding token text, or null
 * @param unkToken       unknown token text, or null (byte-level BPE needs none)
 * @param chatTemplate   Jinja chat template, or null
 * @param modelMaxLength longest input the model accepts, in tokens
 * @param extra          every other field of the file, in file order
 */
public record TokenizerConfig(String bosToken, String eosToken, String padToken, String unkToken,
                              String chatTemplate, long modelMaxLength, ObjectNode extra) {
    public static final String FILE_NAME = "tokenizer_config.json";

    /**
     * The ChatML template (Qwen's, OpenAI's chat markup): {@code <|im_start|>role\ncontent<|im_end|>\n} per
     * message, then {@code <|im_start|>assistant\n} when a generation prompt is asked for.
     * {@link ChatMl} renders the same text in Java.
     */
    public static final String CHATML_TEMPLATE = "{% for message in messages %}"
            + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /** What {@code transformers} uses when no length is set: effectively unlimited. */
    public static final long UNLIMITED_LENGTH = 1_000_000_000_000_000L;

    public TokenizerConfig {
        if (modelMaxLength <= 0) {
            throw new IllegalArgumentException("model_max_length must be > 0 in " + FILE_NAME + " (got " + modelMaxLength + ")");
        }
        extra = extra == null ? JsonNodeFactory.instance.objectNode() : extra.deepCopy();
    }

    /** No roles and no chat template: what a {@code tokenizer.json} without a config file beside it has. */
    public static TokenizerConfig none() {
        return new TokenizerConfig(null, null, null, null, null, UNLIMITED_LENGTH, null);
    }

    /** Roles for a freshly trained tokenizer: GPT-2's convention of one end-of-text token for bos, eos and pad. */
    public static TokenizerConfig forSpecialTokens(List<String> specials) {
        String eot = specials.contains("<|endoftext|>") ? "<|endoftext|>" : specials.isEmpty() ? null : specials.get(0);
        boolean chat = specials.contains("<|im_start|>") && specials.contains("<|im_end|>");
        return new TokenizerConfig(eot, eot, eot, null, chat ? CHATML_TEMPLATE : null, UNLIMITED_LENGTH, null);
    }

    private static final List<String> MODELLED = List.of("bos_token", "eos_token", "pad_token", "unk_token",
            "chat_template", "model_max_length", "added_tokens_decoder");

    /** Reads the file; errors name the file, the JSON path and what was expected. */
    public static TokenizerConfig load(Path file) throws IOException {
        ObjectNode o = JsonFields.readObject(file);
        JsonFields f = new JsonFields(file);
        ObjectNode extra = JsonNodeFactory.instance.objectNode();
        o.fields().forEachRemaining(e -> {
            if (!MODELLED.contains(e.getKey())) {
                extra.set(e.getKey(), e.getValue());
            }
        });
        long maxLen = UNLIMITED_LENGTH;
        JsonNode ml = JsonFields.optional(o, "model_max_length");
        if (ml != null) {
            if (!ml.isNumber() || ml.doubleValue() <= 0) {
                throw f.error("$.model_max_length", "expected a number > 0 (got " + JsonFields.describe(ml) + ")");
            }
            maxLen = ml.doubleValue() >= Long.MAX_VALUE ? UNLIMITED_LENGTH : ml.longValue();
        }
        return new TokenizerConfig(tokenText(f, o, "bos_token"), tokenText(f, o, "eos_token"),
                tokenText(f, o, "pad_token"), tokenText(f, o, "unk_token"), chatTemplate(f, o), maxLen, extra);
    }

    /** A role is a string, or an object with {@code content} as older {@code transformers} wrote it. */
    private static String tokenText(JsonFields f, ObjectNode o, String field) throws IOException {
        JsonNode v = JsonFields.optional(o, field);
        if (v == null) {
            return null;
        }
        if (v.isObject()) {
            return f.requireString(v, "$." + field, "content");
        }
        return f.asString(v, "$." + field);
    }

    /** A template is a string, or a list of {name, template} of which "default" is used. */
    private static String chatTemplate(JsonFields f, ObjectNode o) throws IOException {
        JsonNode v = JsonFields.optional(o, "chat_template");
        if (v == null) {
            return null;
        }
        if (v.isArray()) {
            String first = null;
            for (int i = 0; i < v.size(); i++) {
                String path = JsonFields.index("$.chat_template", i);
                String name = f.requireString(v.get(i), path, "name");
                String t = f.requireString(v.get(i), path, "template");
                if ("default".equals(name)) {
                    return t;
                }
                first = first == null ? t : first;
            }
            return first;
        }
        return f.asString(v, "$.chat_template");
    }

    /** The file's JSON, with {@code added_tokens_decoder} describing {@code added}. */
    public ObjectNode toJson(List<AddedToken> added) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        if (!extra.has("tokenizer_class")) {
            o.put("tokenizer_class", "PreTrainedTokenizerFast");
        }
        ObjectNode dec = o.putObject("added_tokens_decoder");
        for (AddedToken t : added) {
            ObjectNode d = dec.putObject(Integer.toString(t.id()));
            d.put("content", t.content());
            d.put("lstrip", t.lstrip());
            d.put("normalized", t.normalized());
            d.put("rstrip", t.rstrip());
            d.put("single_word", t.singleWord());
            d.put("special", t.special());
        }
        o.put("bos_token", bosToken);
        o.put("eos_token", eosToken);
        o.put("pad_token", padToken);
        o.put("unk_token", unkToken);
        if (chatTemplate != null) {
            o.put("chat_template", chatTemplate);
        }
        o.put("model_max_length", modelMaxLength);
        if (!extra.has("clean_up_tokenization_spaces")) {
            o.put("clean_up_tokenization_spaces", false);
        }
        o.setAll(extra);
        return o;
    }
}
