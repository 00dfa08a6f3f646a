package io.llmagentos.dataprep;

/**
 * Input or output the job cannot work with (a missing input path, an unknown file format, an output
 * directory that is a file, a tokenizer that does not load). The message names the path and what to do.
 * Malformed records inside readable files are never this exception: they are quarantined and counted.
 */
public class PrepException extends Exception {
    private static final long serialVersionUID = 1L;

    public PrepException(String message) {
        super(message);
    }

    public PrepException(String message, Throwable cause) {
        super(message, cause);
    }
}
