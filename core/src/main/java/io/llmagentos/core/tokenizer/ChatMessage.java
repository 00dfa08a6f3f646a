package io.llmagentos.core.tokenizer;

/**
 * One turn of a chat, as in OpenAI's and {@code transformers}' message lists.
 *
 * @param role    {@code system}, {@code user}, {@code assistant} or {@code tool}
 * @param content the turn's text
 */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        if (role == null || role.isBlank()) {
            throw new IllegalArgumentException("a chat message needs a role (system, user, assistant or tool)");
        }
        if (role.contains("<|") || role.contains("\n")) {
            throw new IllegalArgumentException("chat role \"" + role + "\" must not contain markup or newlines");
        }
        if (content == null) {
            throw new IllegalArgumentException("chat message content is null (role " + role + "); use \"\" for empty");
        }
    }
}
