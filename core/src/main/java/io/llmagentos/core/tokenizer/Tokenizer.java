package io.llmagentos.core.tokenizer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.internal.Files2;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.tokenizer.internal.AddedTokenMatcher;
import io.llmagentos.core.tokenizer.internal.Bpe;
import io.llmagentos.core.tokenizer.internal.ByteLevel;
import io.llmagentos.core.tokenizer.internal.IntList;
import io.llmagentos.core.tokenizer.internal.PreTokenizer;
import io.llmagentos.core.tokenizer.internal.RegexPreTokenizer;
import io.llmagentos.core.tokenizer.internal.ScannerPreTokenizer;
import io.llmagentos.core.tokenizer.internal.TokenizerJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A byte-level BPE tokenizer that reads and writes Hugging Face {@code tokenizer.json} (and
 * {@code tokenizer_config.json} beside it) and gives the same ids as Python {@code tokenizers} for the
 * same file: added tokens are matched first, the text between them is normalized (if the file says so),
 * split into words by the pre-tokenizer's expression, each word's UTF-8 bytes are mapped to byte-level
 * chars and merged by BPE.
 *
 * <p>{@link #encode} adds no BOS/EOS (Python's {@code encode(text, add_special_tokens=False)}). Instances
 * are immutable and safe to share between threads.
 */
public final class Tokenizer {
    public static final String FILE_NAME = "tokenizer.json";

    private final String source;
    private final ObjectNode json;
    private final Bpe bpe;
    private final List<AddedToken> addedTokens;
    private final Map<Integer, AddedToken> addedById = new HashMap<>();
    private final Map<String, AddedToken> addedByContent = new HashMap<>();
    private final AddedTokenMatcher matcher;
    private final TokenizerJson.Pipeline pipeline;
    private final PreTokenizer split;
    private final PreTokenizer byteLevelSplit;
    private final TokenizerConfig config;
    private final int vocabSize;
    private final String digest;

    private Tokenizer(String source, ObjectNode json, TokenizerConfig config) throws IOException {
        TokenizerJson.Parsed p = TokenizerJson.parse(source, json);
        this.source = source;
        this.json = json;
        this.bpe = p.bpe();
        List<AddedToken> added = new ArrayList<>(p.addedTokens());
        added.sort(Comparator.comparingInt(AddedToken::id));
        this.addedTokens = List.copyOf(added);
        int max = bpe.size() - 1;
        for (AddedToken t : addedTokens) {
            addedById.put(t.id(), t);
            addedByContent.putIfAbsent(t.content(), t);
            max = Math.max(max, t.id());
        }
        this.vocabSize = max + 1;
        this.matcher = new AddedTokenMatcher(addedTokens);
        this.pipeline = p.pipeline();
        if (pipeline.splitRegex() == null) {
            split = null;
        } else if (pipeline.splitStyle() != null) {
            split = ScannerPreTokenizer.of(pipeline.splitStyle());
        } else {
            split = new RegexPreTokenizer(pipeline.splitRegex());
        }
        byteLevelSplit = pipeline.byteLevelRegex() ? ScannerPreTokenizer.of(PreTokenizerStyle.GPT2) : null;
        this.config = config != null ? config
                : TokenizerConfig.none();
        this.digest = computeDigest();
    }

    /**
     * Loads {@code tokenizer.json} from a directory (a tokenizer or checkpoint directory) or from the file
     * itself, with the {@code tokenizer_config.json} beside it when there is one.
     */
    public static Tokenizer load(Path dirOrFile) throws IOException {
        Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve(FILE_NAME) : dirOrFile;
        if (!Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null,
                    "no " + FILE_NAME + " here; give a tokenizer directory or a tokenizer.json file");
        }
        Path cfgFile = file.resolveSibling(TokenizerConfig.FILE_NAME);
        TokenizerConfig cfg = Files.isRegularFile(cfgFile) ? TokenizerConfig.load(cfgFile) : null;
        return new Tokenizer(file.toString(), JsonFields.readObject(file), cfg);
    }

    /** A tokenizer from a parsed {@code tokenizer.json}; {@code source} names it in error messages. */
    public static Tokenizer fromJson(String source, ObjectNode json, TokenizerConfig config) throws IOException {
        return new Tokenizer(source, json.deepCopy(), config);
    }

    /** A tokenizer built by a trainer: special tokens first, then the byte alphabet and merge results. */
    static Tokenizer fromTrained(PreTokenizerStyle style, List<String> vocabById, List<String[]> merges,
            List<String> specials) {
        List<AddedToken> added = new ArrayList<>();
        for (String s : specials) {
            added.add(AddedToken.special(vocabById.indexOf(s), s));
        }
        try {
            return new Tokenizer("<trained>", TokenizerJson.build(style, vocabById, merges, added),
                    TokenizerConfig.forSpecialTokens(specials));
        } catch (IOException e) {
            throw new IllegalStateException("the trainer produced a tokenizer.json that does not load: " + e.getMessage(), e);
        }
    }

    /** Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir} (created if needed). */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        writeAtomically(dir.resolve(FILE_NAME), JsonFields.MAPPER.writeValueAsBytes(json));
        writeAtomically(dir.resolve(TokenizerConfig.FILE_NAME),
                JsonFields.MAPPER.writeValueAsBytes(config.toJson(addedTokens)));
    }

    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Token ids of {@code text}; added tokens in the text (e.g. {@code <|im_start|>}) become their ids. */
    public int[] encode(String text) {
        IntList out = new IntList(text.length() / 3 + 8);
        matcher.split(text, new AddedTokenMatcher.Sink() {
            @Override
            public void text(int start, int end) {
                encodeSegment(text, start, end, out);
            }

            @Override
            public void token(AddedToken token) {
                out.add(token.id());
            }
        });
        return out.toArray();
    }

    private void encodeSegment(String text, int from, int to, IntList out) {
        String s = text;
        if (pipeline.normalization() != null) {
            s = Normalizer.normalize(text.substring(from, to), pipeline.normalization());
            from = 0;
            to = s.length();
        }
        if (split == null) {
            encodePiece(s, from, to, out);
        } else {
            String seg = s;
            split.split(seg, from, to, (a, b) -> encodePiece(seg, a, b, out));
        }
    }

    private void encodePiece(String s, int from, int to, IntList out) {
        if (from >= to) {
            return;
        }
        if (pipeline.addPrefixSpace() && s.charAt(from) != ' ') {
            s = " " + s.substring(from, to);
            from = 0;
            to = s.length();
        }
        if (byteLevelSplit == null) {
            bpe.encodeWord(ByteLevel.encode(s, from, to), out);
        } else {
            String piece = s;
            byteLevelSplit.split(piece, from, to, (a, b) -> bpe.encodeWord(ByteLevel.encode(piece, a, b), out));
        }
    }

    /** The text of {@code ids}, special tokens included. */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * The text of {@code ids}. Bytes that do not form valid UTF-8 (an id sequence cut inside a character)
     * become U+FFFD, as in Python.
     *
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            AddedToken t = addedById.get(id);
            String token;
            if (t != null) {
                if (skipSpecialTokens && t.special()) {
                    continue;
                }
                token = t.content();
            } else {
                token = bpe.token(id);
                if (token == null) {
                    throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + vocabSize
                            + ") of " + source);
                }
            }
            ByteLevel.appendBytes(token, bytes);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The id of a token given as its text (an added token's content, or a byte-level vocabulary entry). */
    public OptionalInt tokenId(String token) {
        AddedToken t = addedByContent.get(token);
        if (t != null) {
            return OptionalInt.of(t.id());
        }
        Integer id = bpe.id(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The vocabulary entry or added token for {@code id}, as stored (byte-level chars for BPE tokens). */
    public String token(int id) {
        AddedToken t = addedById.get(id);
        return t != null ? t.content() : bpe.token(id);
    }

    /** One more than the largest id: the size an embedding table needs. */
    public int vocabSize() {
        return vocabSize;
    }

    public int mergeCount() {
        return bpe.merges().size();
    }

    /** The added tokens, in id order. */
    public List<AddedToken> addedTokens() {
        return addedTokens;
    }

    /** The contents of the special added tokens, in id order. */
    public List<String> specialTokens() {
        return specialTokensOf(addedTokens);
    }

    private static List<String> specialTokensOf(List<AddedToken> tokens) {
        return tokens.stream().filter(AddedToken::special).map(AddedToken::content).toList();
    }

    /** The pre-tokenizer style when it is exactly one this platform trains, else null. */
    public PreTokenizerStyle style() {
        return pipeline.style();
    }

    /** A readable name of the normalizer and pre-tokenizer, e.g. "Llama 3 split + ByteLevel". */
    public String preTokenizerName() {
        return pipeline.describe();
    }

    /** Bytes without a token: text that contains them cannot round-trip (empty for a complete byte-level BPE). */
    public int[] missingBytes() {
        return bpe.missingBytes();
    }

    public TokenizerConfig config() {
        return config;
    }

    /** The {@code tokenizer.json} tree (a copy). */
    public ObjectNode toJson() {
        return json.deepCopy();
    }

    /**
     * "sha256:…" over what decides the ids: vocabulary, merges, added tokens, normalizer and pre-tokenizer.
     * Equal for the same tokenizer saved by us or by Python, whatever the JSON layout; shards and checkpoints
     * record it so that a tokenizer mismatch is caught.
     */
    public String digest() {
        return digest;
    }

    private String computeDigest() {
        MessageDigest md = Files2.sha256();
        Digest d = new Digest(md);
        d.add("byte-level-bpe/1");
        d.add(String.valueOf(pipeline.normalization()));
        d.add(String.valueOf(pipeline.splitRegex()));
        d.add(pipeline.addPrefixSpace() + "/" + pipeline.byteLevelRegex() + "/" + bpe.ignoreMerges());
        for (int id = 0; id < bpe.size(); id++) {
            String t = bpe.token(id);
            d.add(t == null ? "" : t);
        }
        d.add("merges");
        for (String[] m : bpe.merges()) {
            d.add(m[0]);
            d.add(m[1]);
        }
        d.add("added");
        for (AddedToken t : addedTokens) {
            d.add(t.id() + "/" + t.special() + "/" + t.singleWord() + "/" + t.lstrip() + "/" + t.rstrip());
            d.add(t.content());
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }

    /** Length-prefixed strings, so that no two different token lists hash the same bytes. */
    private record Digest(MessageDigest md) {
        void add(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            md.update(new byte[] {(byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8),
                (byte) b.length});
            md.update(b);
        }
    }

    @Override
    public String toString() {
        return "Tokenizer[" + preTokenizerName() + ", " + vocabSize + " tokens, " + digest + "]";
    }

    /** Where this tokenizer was loaded from (a file path, or {@code <trained>}). */
    public String source() {
        return source;
    }
}
