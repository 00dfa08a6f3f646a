package io.llmagentos.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.json.JsonFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code generation_config.json}: the decoding defaults that ship with a checkpoint (HF names at the
 * edge only). Unknown keys are kept in {@code extra} and written back.
 *
 * @param bosTokenId        beginning-of-sequence id, or null
 * @param eosTokenIds       ids that end generation
 * @param padTokenId        padding id, or null
 * @param maxNewTokens      default cap on generated tokens ({@code max_new_tokens})
 * @param doSample          sample (true) or greedy decode (false)
 * @param temperature       softmax temperature when sampling, > 0
 * @param topK              keep the k most likely tokens when sampling (0 = off)
 * @param topP              nucleus sampling mass in (0, 1]
 * @param repetitionPenalty penalty > 0 on already generated tokens (1 = off)
 * @param extra             other keys, in file order
 */
public record GenerationConfig(Integer bosTokenId, List<Integer> eosTokenIds, Integer padTokenId, int maxNewTokens,
                               boolean doSample, double temperature, int topK, double topP,
                               double repetitionPenalty, Map<String, Object> extra) {
    public static final String FILE_NAME = "generation_config.json";

    public GenerationConfig {
        eosTokenIds = eosTokenIds == null ? List.of() : List.copyOf(eosTokenIds);
        if (maxNewTokens <= 0) {
            throw new ConfigValueException("max_new_tokens", "max_new_tokens must be > 0 (got " + maxNewTokens + ")");
        }
        if (!(temperature > 0)) {
            throw new ConfigValueException("temperature", "temperature must be > 0 (got " + temperature
                    + "); use do_sample=false for greedy decoding");
        }
        if (topK < 0) {
            throw new ConfigValueException("top_k", "top_k must be >= 0 (got " + topK + "); 0 turns it off");
        }
        if (!(topP > 0) || topP > 1) {
            throw new ConfigValueException("top_p", "top_p must be in (0, 1] (got " + topP + ")");
        }
        if (!(repetitionPenalty > 0)) {
            throw new ConfigValueException("repetition_penalty", "repetition_penalty must be > 0 (got "
                    + repetitionPenalty + "); 1.0 turns it off");
        }
        extra = extra == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    /** Greedy decoding with the given special ids and HF's other defaults. */
    public static GenerationConfig greedy(Integer bos, List<Integer> eos, Integer pad, int maxNewTokens) {
        return new GenerationConfig(bos, eos, pad, maxNewTokens, false, 1.0, 50, 1.0, 1.0, Map.of());
    }

    private static final Set<String> KNOWN = Set.of("bos_token_id", "eos_token_id", "pad_token_id",
            "max_new_tokens", "do_sample", "temperature", "top_k", "top_p", "repetition_penalty");

    public static GenerationConfig load(Path file) throws IOException {
        ObjectNode o = JsonFields.readObject(file);
        JsonFields f = new JsonFields(file);
        List<Integer> eos = new ArrayList<>();
        JsonNode e = JsonFields.optional(o, "eos_token_id");
        if (e != null && e.isArray()) {
            for (int i = 0; i < e.size(); i++) {
                eos.add(f.asInt(e.get(i), JsonFields.index("$.eos_token_id", i)));
            }
        } else if (e != null) {
            eos.add(f.asInt(e, "$.eos_token_id"));
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        o.properties().forEach(en -> {
            if (!KNOWN.contains(en.getKey())) {
                extra.put(en.getKey(), JsonFields.MAPPER.convertValue(en.getValue(), Object.class));
            }
        });
        try {
            return new GenerationConfig(optInt(o, f, "bos_token_id"), eos, optInt(o, f, "pad_token_id"),
                    orInt(o, f, "max_new_tokens", 256), orBool(o, f, "do_sample", false),
                    orDouble(o, f, "temperature", 1.0), orInt(o, f, "top_k", 50), orDouble(o, f, "top_p", 1.0),
                    orDouble(o, f, "repetition_penalty", 1.0), extra);
        } catch (ConfigValueException ex) {
            throw f.error("$." + ex.field(), ex.getMessage());
        }
    }

    public void save(Path file) throws IOException {
        ObjectNode o = JsonFields.MAPPER.createObjectNode();
        if (bosTokenId != null) {
            o.put("bos_token_id", bosTokenId);
        }
        if (eosTokenIds.size() == 1) {
            o.put("eos_token_id", eosTokenIds.get(0));
        } else if (!eosTokenIds.isEmpty()) {
            var a = o.putArray("eos_token_id");
            eosTokenIds.forEach(a::add);
        }
        if (padTokenId != null) {
            o.put("pad_token_id", padTokenId);
        }
        o.put("max_new_tokens", maxNewTokens);
        o.put("do_sample", doSample);
        o.put("temperature", temperature);
        o.put("top_k", topK);
        o.put("top_p", topP);
        o.put("repetition_penalty", repetitionPenalty);
        extra.forEach((k, v) -> o.set(k, JsonFields.MAPPER.valueToTree(v)));
        Files.createDirectories(file.toAbsolutePath().getParent());
        JsonFields.MAPPER.writeValue(file.toFile(), o);
    }

    private static Integer optInt(ObjectNode o, JsonFields f, String k) throws JsonFormatException {
        JsonNode v = JsonFields.optional(o, k);
        return v == null ? null : f.asInt(v, "$." + k);
    }

    private static int orInt(ObjectNode o, JsonFields f, String k, int d) throws JsonFormatException {
        JsonNode v = JsonFields.optional(o, k);
        return v == null ? d : f.asInt(v, "$." + k);
    }

    private static double orDouble(ObjectNode o, JsonFields f, String k, double d) throws JsonFormatException {
        JsonNode v = JsonFields.optional(o, k);
        return v == null ? d : f.asDouble(v, "$." + k);
    }

    private static boolean orBool(ObjectNode o, JsonFields f, String k, boolean d) throws JsonFormatException {
        JsonNode v = JsonFields.optional(o, k);
        return v == null ? d : f.asBoolean(v, "$." + k);
    }
}
