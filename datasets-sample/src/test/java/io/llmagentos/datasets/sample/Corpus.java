package io.llmagentos.datasets.sample;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/** Test helper: a written corpus read back line by line with Jackson, independent of the writer. */
final class Corpus {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One raw line of a shard. */
    record Line(String file, int number, byte[] bytes) {
        /** The line decoded strictly, or null if it is not valid UTF-8. */
        String strict() {
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                return null;
            }
        }

        String lossy() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    final List<Line> lines = new ArrayList<>();
    /** id → parsed record, for every line that parses as an object (invalid UTF-8 lines decoded lossily). */
    final Map<String, JsonNode> docs = new LinkedHashMap<>();
    final JsonNode manifest;

    Corpus(Path dir) throws IOException {
        manifest = JSON.readTree(dir.resolve("manifest.json").toFile());
        for (JsonNode f : manifest.get("files")) {
            String name = f.get("file").asText();
            Path plain = dir.resolve(name);
            byte[] all = Files.exists(plain) ? Files.readAllBytes(plain) : gunzip(dir.resolve(name + ".gz"));
            int start = 0;
            int n = 0;
            for (int i = 0; i < all.length; i++) {
                if (all[i] == '\n') {
                    lines.add(new Line(name, ++n, java.util.Arrays.copyOfRange(all, start, i)));
                    start = i + 1;
                }
            }
            if (start != all.length) {
                throw new IllegalStateException(name + " does not end with a newline");
            }
        }
        for (Line l : lines) {
            JsonNode node = tryParse(l.lossy());
            if (node != null && node.isObject() && node.has("id")) {
                docs.put(node.get("id").asText(), node);
            }
        }
    }

    static byte[] gunzip(Path gz) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    static JsonNode tryParse(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            return null;
        }
    }

    String text(String id) {
        return docs.get(id).get("text").asText();
    }
}
