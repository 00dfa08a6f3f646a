package io.llmagentos.serving.engine;

/**
 * A request parameter outside its allowed range; {@link #param()} names the field as the OpenAI API spells
 * it ({@code temperature}, {@code max_tokens}, …) so that the HTTP layer can report it.
 */
public final class ParameterException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String param;

    public ParameterException(String param, String message) {
        super(message);
        this.param = param;
    }

    public String param() {
        return param;
    }
}
