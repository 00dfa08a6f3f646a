package io.llmagentos.training;

import java.io.IOException;

/** A config file that is not valid: the message names the file, line and field and says what is expected. */
public final class ConfigException extends IOException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
