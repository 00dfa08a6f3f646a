package io.llmagentos.core.json;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Typed access to the fields of a JSON object that turns every mismatch into a
 * {@link JsonFormatException} naming the file, the JSON path and what was expected.
 *
 * <p>Readers of external formats ({@code config.json}, {@code tokenizer.json}, ...) parse into a tree
 * with {@link #readObject(Path)} and pull fields through an instance bound to that file, so that
 * their error messages all read the same way.
 */
public final class JsonFields {
    /** One shared, thread-safe mapper configured for the project's JSON files. */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    /** {@link #MAPPER}'s writer without indentation: one value on one line, for JSON Lines files and metadata fields. */
    public static final ObjectWriter LINE = MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT);

    private final String file;

    public JsonFields(String file) {
        this.file = file;
    }

    public JsonFields(Path file) {
        this(file.toString());
    }

    public String file() {
        return file;
    }

    /** Reads a file whose top level must be a JSON object. */
    public static ObjectNode readObject(Path path) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "file not found");
        }
        return parseObject(path.toString(), bytes);
    }

    /** Parses bytes whose top level must be a JSON object; {@code file} names them in errors. */
    public static ObjectNode parseObject(String file, byte[] bytes) throws JsonFormatException {
        JsonNode node;
        try {
            node = MAPPER.readTree(bytes);
        } catch (JsonParseException e) {
            var loc = e.getLocation();
            throw new JsonFormatException(file, "$",
                    "not valid JSON at line " + loc.getLineNr() + ", column " + loc.getColumnNr()
                            + ": " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            throw new JsonFormatException(file, "$", "not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new JsonFormatException(file, "$", "could not be read: " + e.getMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new JsonFormatException(file, "$", "expected a JSON object at the top level (got "
                    + describe(node) + ")", null);
        }
        return (ObjectNode) node;
    }

    public JsonFormatException error(String path, String problem) {
        return new JsonFormatException(file, path, problem, null);
    }

    public JsonNode require(JsonNode parent, String parentPath, String field) throws JsonFormatException {
        JsonNode v = parent.get(field);
        if (v == null || v.isMissingNode()) {
            throw error(child(parentPath, field), "required field is missing");
        }
        return v;
    }

    public ObjectNode requireObject(JsonNode parent, String parentPath, String field) throws JsonFormatException {
        JsonNode v = require(parent, parentPath, field);
        if (!v.isObject()) {
            throw error(child(parentPath, field), "expected an object (got " + describe(v) + ")");
        }
        return (ObjectNode) v;
    }

    public JsonNode requireArray(JsonNode parent, String parentPath, String field) throws JsonFormatException {
        JsonNode v = require(parent, parentPath, field);
        if (!v.isArray()) {
            throw error(child(parentPath, field), "expected an array (got " + describe(v) + ")");
        }
        return v;
    }

    public String requireString(JsonNode parent, String parentPath, String field) throws JsonFormatException {
        JsonNode v = require(parent, parentPath, field);
        return asString(v, child(parentPath, field));
    }

    public String asString(JsonNode v, String path) throws JsonFormatException {
        if (!v.isTextual()) {
            throw error(path, "expected a string (got " + describe(v) + ")");
        }
        return v.textValue();
    }

    public int requireInt(JsonNode parent, String parentPath, String field) throws JsonFormatException {
        return asInt(require(parent, parentPath, field), child(parentPath, field));
    }

    public int asInt(JsonNode v, String path) throws JsonFormatException {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw error(path, "expected an integer (got " + describe(v) + ")");
        }
        return v.intValue();
    }

    public double requireDouble(JsonNode parent, String parentPath, String field) throws JsonFormatException {
        return asDouble(require(parent, parentPath, field), child(parentPath, field));
    }

    public double asDouble(JsonNode v, String path) throws JsonFormatException {
        if (!v.isNumber()) {
            throw error(path, "expected a number (got " + describe(v) + ")");
        }
        return v.doubleValue();
    }

    public boolean asBoolean(JsonNode v, String path) throws JsonFormatException {
        if (!v.isBoolean()) {
            throw error(path, "expected true or false (got " + describe(v) + ")");
        }
        return v.booleanValue();
    }

    /** The optional field, or null when absent or JSON null. */
    public static JsonNode optional(JsonNode parent, String field) {
        JsonNode v = parent.get(field);
        return v == null || v.isNull() || v.isMissingNode() ? null : v;
    }

    public static String child(String parentPath, String field) {
        return parentPath + "." + field;
    }

    public static String index(String parentPath, int i) {
        return parentPath + "[" + i + "]";
    }

    /** A short description of a JSON value for error messages: its type and, for scalars, its value. */
    public static String describe(JsonNode v) {
        if (v == null || v.isMissingNode()) {
            return "nothing";
        }
        if (v.isNull()) {
            return "null";
        }
        if (v.isTextual()) {
            String t = v.textValue();
            return "string \"" + (t.length() > 40 ? t.substring(0, 40) + "..." : t) + "\"";
        }
        if (v.isNumber() || v.isBoolean()) {
            return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " " + v.asText();
        }
        return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }
}
