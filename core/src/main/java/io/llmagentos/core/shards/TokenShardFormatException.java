package io.llmagentos.core.shards;

import java.io.IOException;
import java.nio.file.Path;

/** A token shard file that is not in the expected format; the message names the file and the problem. */
public class TokenShardFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public TokenShardFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }
}
