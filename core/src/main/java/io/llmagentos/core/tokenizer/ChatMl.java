package io.llmagentos.core.tokenizer;

import java.util.List;

/**
 * Renders chats in ChatML, the text {@link TokenizerConfig#CHATML_TEMPLATE} produces in Jinja, so SFT,
 * serving and agents in Java format prompts exactly as {@code transformers}' {@code apply_chat_template}
 * does for the same tokenizer.
 */
public final class ChatMl {
    public static final String START = "<|im_start|>";
    public static final String END = "<|im_end|>";

    private ChatMl() {
    }

    /** One message: {@code <|im_start|>role\ncontent<|im_end|>\n}. */
    public static String message(ChatMessage m) {
        return START + m.role() + "\n" + m.content() + END + "\n";
    }

    /** The header that asks the model to answer: {@code <|im_start|>assistant\n}. */
    public static String generationPrompt() {
        return START + "assistant\n";
    }

    /** Every message, then the generation prompt when {@code addGenerationPrompt}. */
    public static String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : messages) {
            sb.append(message(m));
        }
        if (addGenerationPrompt) {
            sb.append(generationPrompt());
        }
        return sb.toString();
    }
}
