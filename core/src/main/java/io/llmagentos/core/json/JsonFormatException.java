package io.llmagentos.core.json;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A JSON file that parsed (or failed to parse) but does not have the shape a format expects.
 * The message always names the file, the JSON path of the offending value and what was expected,
 * e.g. {@code config.json: $.rope_theta: expected a number > 0 (got -1.0)}.
 */
public class JsonFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final String jsonPath;

    public JsonFormatException(Path file, String jsonPath, String problem) {
        this(file == null ? "<memory>" : file.toString(), jsonPath, problem, null);
    }

    public JsonFormatException(String file, String jsonPath, String problem, Throwable cause) {
        super(file + ": " + jsonPath + ": " + problem, cause);
        this.file = file;
        this.jsonPath = jsonPath;
    }

    /** The file that holds the bad value, as given to the reader. */
    public String file() {
        return file;
    }

    /** JSONPath-style location of the bad value, e.g. {@code $.model.merges[12]}. */
    public String jsonPath() {
        return jsonPath;
    }
}
