package io.llmagentos.core.tokenizer.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.json.JsonFormatException;
import io.llmagentos.core.tokenizer.AddedToken;
import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes Hugging Face {@code tokenizer.json} for byte-level BPE: model {@code BPE} (vocab and
 * merges, merges as {@code "a b"} strings or {@code ["a", "b"]} pairs), pre-tokenizer {@code ByteLevel}
 * or {@code Sequence[Split(Regex, Isolated), ByteLevel]}, decoder {@code ByteLevel}, an optional Unicode
 * normalizer and added tokens. Anything else is refused with the JSON path and what is supported.
 */
public final class TokenizerJson {
    private TokenizerJson() {
    }

    /** How text becomes byte-level words. */
    public record Pipeline(Normalizer.Form normalization, String splitRegex, PreTokenizerStyle splitStyle,
                           boolean addPrefixSpace, boolean byteLevelRegex) {
        public String describe() {
            StringBuilder sb = new StringBuilder();
            if (normalization != null) {
                sb.append(normalization).append(" + ");
            }
            if (splitRegex != null) {
                sb.append(splitStyle == null ? "custom" : splitStyle == PreTokenizerStyle.LLAMA3 ? "Llama 3" : "GPT-2")
                        .append(" split + ");
            }
            sb.append(byteLevelRegex ? "GPT-2 ByteLevel" : "ByteLevel");
            if (addPrefixSpace) {
                sb.append(" (prefix space)");
            }
            return sb.toString();
        }

        /** The style when the pipeline is exactly one our trainer writes, else null. */
        public PreTokenizerStyle style() {
            if (normalization != null || addPrefixSpace) {
                return null;
            }
            if (splitRegex == null && byteLevelRegex) {
                return PreTokenizerStyle.GPT2;
            }
            return splitStyle != null && !byteLevelRegex ? splitStyle : null;
        }
    }

    /** Everything a tokenizer needs, read from one file. */
    public record Parsed(Bpe bpe, List<AddedToken> addedTokens, Pipeline pipeline) {
    }

    public static Parsed parse(String file, ObjectNode root) throws JsonFormatException {
        JsonFields f = new JsonFields(file);
        ObjectNode model = f.requireObject(root, "$", "model");
        JsonNode type = JsonFields.optional(model, "type");
        if (type != null && !"BPE".equals(type.asText())) {
            throw f.error("$.model.type", "expected \"BPE\" (got " + JsonFields.describe(type)
                    + "); only byte-level BPE tokenizers are supported");
        }
        for (String unsupported : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            JsonNode v = JsonFields.optional(model, unsupported);
            if (v != null && !(v.isTextual() && v.textValue().isEmpty())) {
                throw f.error("$.model." + unsupported, "must be null for byte-level BPE (got " + JsonFields.describe(v) + ")");
            }
        }
        JsonNode byteFallback = JsonFields.optional(model, "byte_fallback");
        if (byteFallback != null && f.asBoolean(byteFallback, "$.model.byte_fallback")) {
            throw f.error("$.model.byte_fallback", "byte_fallback (SentencePiece-style BPE) is not supported; "
                    + "only byte-level BPE tokenizers are");
        }
        Map<String, Integer> vocab = readVocab(f, f.requireObject(model, "$.model", "vocab"));
        List<String[]> merges = readMerges(f, f.requireArray(model, "$.model", "merges"), vocab);
        JsonNode ignore = JsonFields.optional(model, "ignore_merges");
        JsonNode unk = JsonFields.optional(model, "unk_token");
        String unkToken = unk == null ? null : f.asString(unk, "$.model.unk_token");
        if (unkToken != null && !vocab.containsKey(unkToken)) {
            throw f.error("$.model.unk_token", "\"" + unkToken + "\" is not in $.model.vocab");
        }
        JsonNode fuse = JsonFields.optional(model, "fuse_unk");
        Bpe bpe = new Bpe(vocab, merges, ignore != null && f.asBoolean(ignore, "$.model.ignore_merges"), unkToken,
                fuse != null && f.asBoolean(fuse, "$.model.fuse_unk"));
        List<AddedToken> added = readAddedTokens(f, root);
        Pipeline pipeline = new Pipeline(readNormalizer(f, root), null, null, false, false);
        pipeline = readPreTokenizer(f, root, pipeline);
        readDecoder(f, root);
        return new Parsed(bpe, added, pipeline);
    }

    private static Map<String, Integer> readVocab(JsonFields f, ObjectNode vocab) throws JsonFormatException {
        Map<String, Integer> m = new HashMap<>(vocab.size() * 2);
        Map<Integer, String> byId = new HashMap<>(vocab.size() * 2);
        var it = vocab.fields();
        while (it.hasNext()) {
            var e = it.next();
            String path = "$.model.vocab[\"" + e.getKey() + "\"]";
            int id = f.asInt(e.getValue(), path);
            if (id < 0) {
                throw f.error(path, "expected an id >= 0 (got " + id + ")");
            }
            String other = byId.put(id, e.getKey());
            if (other != null) {
                throw f.error(path, "id " + id + " is also used by \"" + other + "\"; every token needs its own id");
            }
            m.put(e.getKey(), id);
        }
        return m;
    }

    private static List<String[]> readMerges(JsonFields f, JsonNode arr, Map<String, Integer> vocab)
            throws JsonFormatException {
        List<String[]> merges = new ArrayList<>(arr.size());
        for (int i = 0; i < arr.size(); i++) {
            JsonNode m = arr.get(i);
            String path = JsonFields.index("$.model.merges", i);
            String[] pair;
            if (m.isTextual()) {
                String s = m.textValue();
                int sp = s.indexOf(' ');
                if (sp <= 0 || sp == s.length() - 1 || s.indexOf(' ', sp + 1) >= 0) {
                    throw f.error(path, "expected \"left right\" with one space (got \"" + s + "\")");
                }
                pair = new String[] {s.substring(0, sp), s.substring(sp + 1)};
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                pair = new String[] {m.get(0).textValue(), m.get(1).textValue()};
            } else {
                throw f.error(path, "expected a merge as \"left right\" or [\"left\", \"right\"] (got "
                        + JsonFields.describe(m) + ")");
            }
            for (String part : pair) {
                if (!vocab.containsKey(part)) {
                    throw f.error(path, "merge part \"" + part + "\" is not in $.model.vocab");
                }
            }
            if (!vocab.containsKey(pair[0] + pair[1])) {
                throw f.error(path, "merge result \"" + pair[0] + pair[1] + "\" is not in $.model.vocab");
            }
            merges.add(pair);
        }
        return merges;
    }

    private static List<AddedToken> readAddedTokens(JsonFields f, ObjectNode root) throws JsonFormatException {
        JsonNode arr = JsonFields.optional(root, "added_tokens");
        List<AddedToken> out = new ArrayList<>();
        if (arr == null) {
            return out;
        }
        if (!arr.isArray()) {
            throw f.error("$.added_tokens", "expected an array (got " + JsonFields.describe(arr) + ")");
        }
        Set<Integer> ids = new HashSet<>();
        for (int i = 0; i < arr.size(); i++) {
            String path = JsonFields.index("$.added_tokens", i);
            JsonNode t = arr.get(i);
            int id = f.requireInt(t, path, "id");
            String content = f.requireString(t, path, "content");
            if (content.isEmpty()) {
                throw f.error(path + ".content", "added token content must not be empty");
            }
            if (!ids.add(id)) {
                throw f.error(path + ".id", "id " + id + " is used by two added tokens");
            }
            out.add(new AddedToken(id, content, flag(f, t, path, "single_word"), flag(f, t, path, "lstrip"),
                    flag(f, t, path, "rstrip"), flag(f, t, path, "normalized"), flag(f, t, path, "special")));
        }
        return out;
    }

    private static boolean flag(JsonFields f, JsonNode t, String path, String field) throws JsonFormatException {
        JsonNode v = JsonFields.optional(t, field);
        return v != null && f.asBoolean(v, JsonFields.child(path, field));
    }

    private static Normalizer.Form readNormalizer(JsonFields f, ObjectNode root) throws JsonFormatException {
        JsonNode n = JsonFields.optional(root, "normalizer");
        if (n == null) {
            return null;
        }
        String type = f.requireString(n, "$.normalizer", "type");
        if ("Sequence".equals(type)) {
            JsonNode list = f.requireArray(n, "$.normalizer", "normalizers");
            if (list.isEmpty()) {
                return null;
            }
            if (list.size() == 1) {
                return form(f, f.requireString(list.get(0), "$.normalizer.normalizers[0]", "type"),
                        "$.normalizer.normalizers[0].type");
            }
            throw f.error("$.normalizer.normalizers", "a sequence of " + list.size()
                    + " normalizers is not supported; use one of NFC, NFD, NFKC, NFKD or none");
        }
        return form(f, type, "$.normalizer.type");
    }

    private static Normalizer.Form form(JsonFields f, String type, String path) throws JsonFormatException {
        try {
            return Normalizer.Form.valueOf(type);
        } catch (IllegalArgumentException e) {
            throw f.error(path, "normalizer \"" + type + "\" is not supported; use one of NFC, NFD, NFKC, NFKD or none");
        }
    }

    private static Pipeline readPreTokenizer(JsonFields f, ObjectNode root, Pipeline p) throws JsonFormatException {
        JsonNode pt = JsonFields.optional(root, "pre_tokenizer");
        String expect = "a ByteLevel pre-tokenizer, or a Sequence of a Split (Regex, Isolated) and a ByteLevel";
        if (pt == null) {
            throw f.error("$.pre_tokenizer", "expected " + expect + " (got null)");
        }
        String type = f.requireString(pt, "$.pre_tokenizer", "type");
        if ("ByteLevel".equals(type)) {
            return byteLevel(f, pt, "$.pre_tokenizer", p, null);
        }
        if (!"Sequence".equals(type)) {
            throw f.error("$.pre_tokenizer.type", "expected " + expect + " (got \"" + type + "\")");
        }
        JsonNode list = f.requireArray(pt, "$.pre_tokenizer", "pretokenizers");
        if (list.size() == 1 && "ByteLevel".equals(list.get(0).path("type").asText())) {
            return byteLevel(f, list.get(0), "$.pre_tokenizer.pretokenizers[0]", p, null);
        }
        if (list.size() != 2) {
            throw f.error("$.pre_tokenizer.pretokenizers", "expected " + expect + " (got " + list.size() + " steps)");
        }
        JsonNode split = list.get(0);
        String sp = "$.pre_tokenizer.pretokenizers[0]";
        String st = f.requireString(split, sp, "type");
        if (!"Split".equals(st)) {
            throw f.error(sp + ".type", "expected \"Split\" (got \"" + st + "\")");
        }
        JsonNode pattern = f.requireObject(split, sp, "pattern");
        JsonNode regexNode = JsonFields.optional(pattern, "Regex");
        String regex;
        if (regexNode != null) {
            regex = f.asString(regexNode, sp + ".pattern.Regex");
        } else {
            JsonNode lit = f.require(pattern, sp + ".pattern", "String");
            regex = java.util.regex.Pattern.quote(f.asString(lit, sp + ".pattern.String"));
        }
        String behavior = f.requireString(split, sp, "behavior");
        if (!"Isolated".equals(behavior)) {
            throw f.error(sp + ".behavior", "only \"Isolated\" is supported (got \"" + behavior + "\")");
        }
        JsonNode invert = JsonFields.optional(split, "invert");
        if (invert != null && f.asBoolean(invert, sp + ".invert")) {
            throw f.error(sp + ".invert", "an inverted Split is not supported");
        }
        try {
            new RegexPreTokenizer(regex);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw f.error(sp + ".pattern.Regex", "not a regular expression Java can run: " + e.getDescription());
        }
        String bp = "$.pre_tokenizer.pretokenizers[1]";
        String bt = f.requireString(list.get(1), bp, "type");
        if (!"ByteLevel".equals(bt)) {
            throw f.error(bp + ".type", "expected \"ByteLevel\" (got \"" + bt + "\")");
        }
        return byteLevel(f, list.get(1), bp, p, regex);
    }

    private static Pipeline byteLevel(JsonFields f, JsonNode bl, String path, Pipeline p, String splitRegex)
            throws JsonFormatException {
        JsonNode aps = JsonFields.optional(bl, "add_prefix_space");
        JsonNode ur = JsonFields.optional(bl, "use_regex");
        boolean prefix = aps != null && f.asBoolean(aps, path + ".add_prefix_space");
        boolean useRegex = ur == null || f.asBoolean(ur, path + ".use_regex");
        return new Pipeline(p.normalization(), splitRegex, splitRegex == null ? null : PreTokenizerStyle.ofRegex(splitRegex),
                prefix, useRegex);
    }

    private static void readDecoder(JsonFields f, ObjectNode root) throws JsonFormatException {
        JsonNode d = JsonFields.optional(root, "decoder");
        if (d == null) {
            throw f.error("$.decoder", "expected a ByteLevel decoder (got null); only byte-level BPE is supported");
        }
        String type = f.requireString(d, "$.decoder", "type");
        if (!"ByteLevel".equals(type)) {
            throw f.error("$.decoder.type", "expected \"ByteLevel\" (got \"" + type + "\"); only byte-level BPE is supported");
        }
    }

    /** {@code tokenizer.json} for a trained tokenizer, in the layout Python {@code tokenizers} 0.2x writes. */
    public static ObjectNode build(PreTokenizerStyle style, List<String> vocabById, List<String[]> merges,
            List<AddedToken> added) {
        JsonNodeFactory nf = JsonNodeFactory.instance;
        ObjectNode root = nf.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode at = root.putArray("added_tokens");
        for (AddedToken t : added) {
            ObjectNode o = at.addObject();
            o.put("id", t.id());
            o.put("content", t.content());
            o.put("single_word", t.singleWord());
            o.put("lstrip", t.lstrip());
            o.put("rstrip", t.rstrip());
            o.put("normalized", t.normalized());
            o.put("special", t.special());
        }
        root.putNull("normalizer");
        if (style == PreTokenizerStyle.GPT2) {
            root.set("pre_tokenizer", byteLevelNode(nf, false, true, true));
        } else {
            ObjectNode seq = nf.objectNode();
            seq.put("type", "Sequence");
            ArrayNode steps = seq.putArray("pretokenizers");
            ObjectNode split = steps.addObject();
            split.put("type", "Split");
            split.putObject("pattern").put("Regex", style.regex());
            split.put("behavior", "Isolated");
            split.put("invert", false);
            steps.add(byteLevelNode(nf, false, true, false));
            root.set("pre_tokenizer", seq);
        }
        root.set("post_processor", byteLevelNode(nf, true, false, true));
        root.set("decoder", byteLevelNode(nf, true, true, true));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < vocabById.size(); id++) {
            vocab.put(vocabById.get(id), id);
        }
        ArrayNode m = model.putArray("merges");
        for (String[] pair : merges) {
            m.addArray().add(pair[0]).add(pair[1]);
        }
        return root;
    }

    private static ObjectNode byteLevelNode(JsonNodeFactory nf, boolean prefix, boolean trim, boolean regex) {
        ObjectNode o = nf.objectNode();
        o.put("type", "ByteLevel");
        o.put("add_prefix_space", prefix);
        o.put("trim_offsets", trim);
        o.put("use_regex", regex);
        return o;
    }
}
