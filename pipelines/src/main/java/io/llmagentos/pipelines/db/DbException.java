package io.llmagentos.pipelines.db;

/** The metadata database failed or refused (connection, schema, a lost lease); the message says which and why. */
public final class DbException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DbException(String message, Throwable cause) {
        super(message, cause);
    }

    public DbException(String message) {
        super(message);
    }
}
