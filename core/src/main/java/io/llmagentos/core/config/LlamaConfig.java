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

/**
 * The {@code config.json} of a {@code LlamaForCausalLM} checkpoint, with readable Java names; the HF key
 * names live only in {@link #fromJson} and {@link #toJson}. Keys this record does not model (for
 * example {@code torch_dtype} or {@code transformers_version}) are kept in {@code extra} and written
 * back unchanged, so a load/save round trip loses nothing.
 *
 * @param vocabSize             number of token embeddings ({@code vocab_size})
 * @param hiddenSize            model width ({@code hidden_size})
 * @param intermediateSize      SwiGLU MLP width ({@code intermediate_size})
 * @param numHiddenLayers       decoder layers ({@code num_hidden_layers})
 * @param numAttentionHeads     query heads ({@code num_attention_heads})
 * @param numKeyValueHeads      key/value heads for grouped-query attention ({@code num_key_value_heads})
 * @param headDim               width of one head ({@code head_dim}; hidden_size / heads when absent)
 * @param maxPositionEmbeddings longest sequence the model is trained for ({@code max_position_embeddings})
 * @param rmsNormEps            epsilon of RMSNorm ({@code rms_norm_eps})
 * @param ropeTheta             rotary base frequency ({@code rope_theta})
 * @param ropeScaling           rotary scaling, or null ({@code rope_scaling})
 * @param tieWordEmbeddings     whether lm_head shares the embedding matrix ({@code tie_word_embeddings})
 * @param bosTokenId            beginning-of-sequence id, or null
 * @param eosTokenIds           end-of-sequence ids (HF allows one id or a list), possibly empty
 * @param padTokenId            padding id, or null
 * @param extra                 every other key of the file, in file order
 */
public record LlamaConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        int maxPositionEmbeddings,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        Integer bosTokenId,
        List<Integer> eosTokenIds,
        Integer padTokenId,
        Map<String, Object> extra) {

    public static final String FILE_NAME = "config.json";

    public LlamaConfig {
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("num_key_value_heads", numKeyValueHeads);
        positive("head_dim", headDim);
        positive("max_position_embeddings", maxPositionEmbeddings);
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new ConfigValueException("num_key_value_heads", "num_attention_heads (" + numAttentionHeads
                    + ") must be a multiple of num_key_value_heads (" + numKeyValueHeads
                    + ") for grouped-query attention");
        }
        if (!(rmsNormEps > 0) || rmsNormEps >= 1) {
            throw new ConfigValueException("rms_norm_eps", "rms_norm_eps must be in (0, 1) (got " + rmsNormEps + ")");
        }
        if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta)) {
            throw new ConfigValueException("rope_theta", "rope_theta must be > 0 (got " + ropeTheta + ")");
        }
        if (headDim % 2 != 0) {
            throw new ConfigValueException("head_dim", "head_dim must be even for rotary embeddings (got "
                    + headDim + ")");
        }
        tokenId("bos_token_id", bosTokenId, vocabSize);
        tokenId("pad_token_id", padTokenId, vocabSize);
        eosTokenIds = eosTokenIds == null ? List.of() : List.copyOf(eosTokenIds);
        for (Integer id : eosTokenIds) {
            tokenId("eos_token_id", id, vocabSize);
        }
        extra = extra == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    /**
     * A config with HF's defaults for the optional fields: head_dim = hidden / heads, rope_theta 10000,
     * rms_norm_eps 1e-6, untied embeddings, no special ids.
     */
    public static LlamaConfig of(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                                 int numAttentionHeads, int numKeyValueHeads, int maxPositionEmbeddings) {
        if (numAttentionHeads > 0 && hiddenSize % numAttentionHeads != 0) {
            throw new ConfigValueException("num_attention_heads", "hidden_size (" + hiddenSize
                    + ") must be divisible by num_attention_heads (" + numAttentionHeads + ") when head_dim is not set");
        }
        return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                numKeyValueHeads, numAttentionHeads > 0 ? hiddenSize / numAttentionHeads : 0, maxPositionEmbeddings,
                1e-6, 10000.0, null, false, null, List.of(), null, Map.of());
    }

    private static void positive(String field, int v) {
        if (v <= 0) {
            throw new ConfigValueException(field, field + " must be > 0 (got " + v + ")");
        }
    }

    private static void tokenId(String field, Integer id, int vocabSize) {
        if (id != null && (id < 0 || id >= vocabSize)) {
            throw new ConfigValueException(field, field + " must be in [0, vocab_size=" + vocabSize + ") (got " + id + ")");
        }
    }

    /** Number of query heads that share one key/value head. */
    public int queryGroups() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /**
     * Parameter count implied by the config: embeddings, per layer q/k/v/o, gate/up/down and two
     * RMSNorm weights, the final norm, and lm_head unless tied.
     */
    public long parameterCount() {
        long h = hiddenSize;
        long q = (long) numAttentionHeads * headDim;
        long kv = (long) numKeyValueHeads * headDim;
        long perLayer = h * q + 2 * h * kv + q * h + 3 * h * intermediateSize + 2 * h;
        long embed = (long) vocabSize * h;
        return embed + numHiddenLayers * perLayer + h + (tieWordEmbeddings ? 0 : embed);
    }

    /**
     * The tensors a checkpoint with this config holds, by HF name, with their shapes ([out, in] for
     * linear weights, as PyTorch stores them).
     */
    public Map<String, long[]> expectedTensors() {
        Map<String, long[]> m = new LinkedHashMap<>();
        long h = hiddenSize;
        long q = (long) numAttentionHeads * headDim;
        long kv = (long) numKeyValueHeads * headDim;
        m.put("model.embed_tokens.weight", new long[] {vocabSize, h});
        for (int i = 0; i < numHiddenLayers; i++) {
            String p = "model.layers." + i + ".";
            m.put(p + "input_layernorm.weight", new long[] {h});
            m.put(p + "self_attn.q_proj.weight", new long[] {q, h});
            m.put(p + "self_attn.k_proj.weight", new long[] {kv, h});
            m.put(p + "self_attn.v_proj.weight", new long[] {kv, h});
            m.put(p + "self_attn.o_proj.weight", new long[] {h, q});
            m.put(p + "post_attention_layernorm.weight", new long[] {h});
            m.put(p + "mlp.gate_proj.weight", new long[] {intermediateSize, h});
            m.put(p + "mlp.up_proj.weight", new long[] {intermediateSize, h});
            m.put(p + "mlp.down_proj.weight", new long[] {h, intermediateSize});
        }
        m.put("model.norm.weight", new long[] {h});
        if (!tieWordEmbeddings) {
            m.put("lm_head.weight", new long[] {vocabSize, h});
        }
        return m;
    }

    /** Reads and validates a {@code config.json}. */
    public static LlamaConfig load(Path file) throws IOException {
        return fromJson(JsonFields.readObject(file), new JsonFields(file));
    }

    /** Writes this config as {@code config.json} (HF key names, unknown keys preserved). */
    public void save(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        JsonFields.MAPPER.writeValue(file.toFile(), toJson());
    }

    private static final List<String> KNOWN = List.of("vocab_size", "hidden_size", "intermediate_size",
            "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim",
            "max_position_embeddings", "rms_norm_eps", "rope_theta", "rope_scaling", "rope_parameters",
            "tie_word_embeddings", "bos_token_id", "eos_token_id", "pad_token_id");

    /** Maps a parsed {@code config.json} tree; errors name {@code f.file()} and the JSON path. */
    public static LlamaConfig fromJson(ObjectNode o, JsonFields f) throws JsonFormatException {
        JsonNode arch = JsonFields.optional(o, "architectures");
        if (arch != null && arch.isArray() && !arch.isEmpty()
                && !"LlamaForCausalLM".equals(arch.get(0).asText())) {
            throw f.error("$.architectures[0]", "expected \"LlamaForCausalLM\" (got " + JsonFields.describe(arch.get(0))
                    + "); only Llama-style decoders are supported");
        }
        JsonNode act = JsonFields.optional(o, "hidden_act");
        if (act != null && !"silu".equals(act.asText())) {
            throw f.error("$.hidden_act", "expected \"silu\" (got " + JsonFields.describe(act)
                    + "); Llama-style decoders use a SwiGLU MLP");
        }
        int vocab = f.requireInt(o, "$", "vocab_size");
        int hidden = f.requireInt(o, "$", "hidden_size");
        int inter = f.requireInt(o, "$", "intermediate_size");
        int layers = f.requireInt(o, "$", "num_hidden_layers");
        int heads = f.requireInt(o, "$", "num_attention_heads");
        JsonNode kvNode = JsonFields.optional(o, "num_key_value_heads");
        int kvHeads = kvNode == null ? heads : f.asInt(kvNode, "$.num_key_value_heads");
        JsonNode hdNode = JsonFields.optional(o, "head_dim");
        int headDim;
        if (hdNode != null) {
            headDim = f.asInt(hdNode, "$.head_dim");
        } else {
            if (heads <= 0 || hidden % heads != 0) {
                throw f.error("$.num_attention_heads", "hidden_size (" + hidden
                        + ") must be divisible by num_attention_heads (" + heads + ") when head_dim is absent");
            }
            headDim = hidden / heads;
        }
        int maxPos = f.requireInt(o, "$", "max_position_embeddings");
        double eps = optDouble(o, f, "rms_norm_eps", 1e-6);
        double theta = optDouble(o, f, "rope_theta", 10000.0);
        RopeScaling scaling = null;
        JsonNode rs = JsonFields.optional(o, "rope_scaling");
        String rsPath = "$.rope_scaling";
        // transformers >= 5 writes rope_parameters: {rope_theta, rope_type, and the scaling keys}
        JsonNode rp = JsonFields.optional(o, "rope_parameters");
        if (rp != null) {
            if (!rp.isObject()) {
                throw f.error("$.rope_parameters", "expected an object or null (got " + JsonFields.describe(rp) + ")");
            }
            if (JsonFields.optional(o, "rope_theta") == null && rp.has("rope_theta")) {
                theta = f.asDouble(rp.get("rope_theta"), "$.rope_parameters.rope_theta");
            }
            JsonNode rt = rp.has("rope_type") ? rp.get("rope_type") : rp.get("type");
            if (rs == null && rt != null && !"default".equals(rt.asText())) {
                ObjectNode copy = ((ObjectNode) rp).deepCopy();
                copy.remove("rope_theta");
                rs = copy;
                rsPath = "$.rope_parameters";
            }
        }
        if (rs != null) {
            String path = rsPath;
            if (!rs.isObject()) {
                throw f.error(path, "expected an object or null (got " + JsonFields.describe(rs) + ")");
            }
            JsonNode t = rs.has("rope_type") ? rs.get("rope_type") : rs.get("type");
            if (t == null) {
                throw f.error(path + ".rope_type", "required field is missing");
            }
            String type = f.asString(t, path + ".rope_type");
            double factor = "default".equals(type) && !rs.has("factor") ? 1.0 : f.requireDouble(rs, path, "factor");
            Map<String, Object> params = new LinkedHashMap<>();
            rs.properties().forEach(e -> {
                if (!e.getKey().equals("rope_type") && !e.getKey().equals("type") && !e.getKey().equals("factor")) {
                    params.put(e.getKey(), JsonFields.MAPPER.convertValue(e.getValue(), Object.class));
                }
            });
            try {
                scaling = new RopeScaling(type, factor, params);
            } catch (ConfigValueException e) {
                throw f.error(path, e.getMessage());
            }
        }
        JsonNode tie = JsonFields.optional(o, "tie_word_embeddings");
        boolean tied = tie != null && f.asBoolean(tie, "$.tie_word_embeddings");
        Integer bos = optInt(o, f, "bos_token_id");
        Integer pad = optInt(o, f, "pad_token_id");
        List<Integer> eos = new ArrayList<>();
        JsonNode eosNode = JsonFields.optional(o, "eos_token_id");
        if (eosNode != null) {
            if (eosNode.isArray()) {
                for (int i = 0; i < eosNode.size(); i++) {
                    eos.add(f.asInt(eosNode.get(i), JsonFields.index("$.eos_token_id", i)));
                }
            } else {
                eos.add(f.asInt(eosNode, "$.eos_token_id"));
            }
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        for (var e : o.properties()) {
            boolean implied = e.getKey().equals("architectures") || e.getKey().equals("hidden_act")
                    || (e.getKey().equals("model_type") && "llama".equals(e.getValue().asText()));
            if (!KNOWN.contains(e.getKey()) && !implied) {
                extra.put(e.getKey(), JsonFields.MAPPER.convertValue(e.getValue(), Object.class));
            }
        }
        try {
            return new LlamaConfig(vocab, hidden, inter, layers, heads, kvHeads, headDim, maxPos, eps, theta, scaling,
                    tied, bos, eos, pad, extra);
        } catch (ConfigValueException e) {
            throw f.error("$." + e.field(), e.getMessage());
        }
    }

    private static double optDouble(ObjectNode o, JsonFields f, String field, double dflt) throws JsonFormatException {
        JsonNode v = JsonFields.optional(o, field);
        return v == null ? dflt : f.asDouble(v, "$." + field);
    }

    private static Integer optInt(ObjectNode o, JsonFields f, String field) throws JsonFormatException {
        JsonNode v = JsonFields.optional(o, field);
        return v == null ? null : f.asInt(v, "$." + field);
    }

    /** The HF {@code config.json} tree. */
    public ObjectNode toJson() {
        ObjectNode o = JsonFields.MAPPER.createObjectNode();
        o.putArray("architectures").add("LlamaForCausalLM");
        o.put("model_type", "llama");
        o.put("vocab_size", vocabSize);
        o.put("hidden_size", hiddenSize);
        o.put("intermediate_size", intermediateSize);
        o.put("num_hidden_layers", numHiddenLayers);
        o.put("num_attention_heads", numAttentionHeads);
        o.put("num_key_value_heads", numKeyValueHeads);
        o.put("head_dim", headDim);
        o.put("max_position_embeddings", maxPositionEmbeddings);
        o.put("rms_norm_eps", rmsNormEps);
        o.put("rope_theta", ropeTheta);
        if (ropeScaling == null) {
            o.putNull("rope_scaling");
        } else {
            ObjectNode rs = o.putObject("rope_scaling");
            rs.put("rope_type", ropeScaling.type());
            rs.put("factor", ropeScaling.factor());
            ropeScaling.params().forEach((k, v) -> rs.set(k, JsonFields.MAPPER.valueToTree(v)));
        }
        o.put("tie_word_embeddings", tieWordEmbeddings);
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
        o.put("hidden_act", "silu");
        extra.forEach((k, v) -> o.set(k, JsonFields.MAPPER.valueToTree(v)));
        return o;
    }

    public LlamaConfig withTokenIds(Integer bos, List<Integer> eos, Integer pad) {
        return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                numKeyValueHeads, headDim, maxPositionEmbeddings, rmsNormEps, ropeTheta, ropeScaling,
                tieWordEmbeddings, bos, eos, pad, extra);
    }

    public LlamaConfig withTiedEmbeddings(boolean tied) {
        return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                numKeyValueHeads, headDim, maxPositionEmbeddings, rmsNormEps, ropeTheta, ropeScaling,
                tied, bosTokenId, eosTokenIds, padTokenId, extra);
    }
}
