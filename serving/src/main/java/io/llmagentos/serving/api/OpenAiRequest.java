package io.llmagentos.serving.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.tokenizer.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A parsed {@code POST /v1/chat/completions} or {@code POST /v1/completions} body. Every field is checked for
 * its type and range here, with an error naming it; fields the server does not model are ignored, as OpenAI
 * clients send many optional ones, except those whose meaning it cannot honour ({@code n > 1},
 * {@code logprobs}, {@code tools}, {@code echo}, {@code suffix}, {@code best_of > 1}), which are refused.
 *
 * <p>Beyond OpenAI's fields it takes {@code top_k} and {@code repetition_penalty} (as vLLM does).
 */
public record OpenAiRequest(boolean chat, String model, List<ChatMessage> messages, String prompt, int[] promptIds,
                            boolean stream, boolean includeUsage, Integer maxTokens, Double temperature, Double topP,
                            Integer topK, Double repetitionPenalty, Double frequencyPenalty, Double presencePenalty,
                            List<String> stop, Long seed) {
    private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool", "developer");

    public static OpenAiRequest parse(ObjectMapper mapper, byte[] body, boolean chat) {
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.invalidJson("the request body is not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        } catch (java.io.IOException e) {
            throw ApiException.invalidJson("the request body could not be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw ApiException.invalidJson("the request body must be a JSON object (got "
                    + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)) + ")");
        }
        ObjectNode o = (ObjectNode) root;
        String model = string(o, "model", true);
        List<ChatMessage> messages = null;
        String prompt = null;
        int[] promptIds = null;
        if (chat) {
            messages = messages(o);
        } else {
            JsonNode p = o.get("prompt");
            if (p == null || p.isNull()) {
                throw ApiException.invalid("prompt", "'prompt' is required: a string, a list of one string, or a list of "
                        + "token ids");
            } else if (p.isTextual()) {
                prompt = p.asText();
            } else if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) {
                prompt = p.get(0).asText();
            } else if (p.isArray() && !p.isEmpty() && allInts(p)) {
                promptIds = new int[p.size()];
                for (int i = 0; i < p.size(); i++) {
                    promptIds[i] = p.get(i).asInt();
                }
            } else {
                throw ApiException.invalid("prompt", "'prompt' must be a string, a list of one string, or a non-empty list "
                        + "of token ids (this server takes one prompt per request)");
            }
            refuse(o, "echo", v -> v.isBoolean() && !v.asBoolean(), "echo is not supported; leave it false");
            refuse(o, "suffix", JsonNode::isNull, "suffix (insertion) is not supported by this model");
            refuse(o, "best_of", v -> v.isIntegralNumber() && v.asInt() == 1, "best_of must be 1 on this server");
            refuse(o, "logprobs", JsonNode::isNull, "logprobs are not supported by this server; leave it unset");
        }
        refuse(o, "n", v -> v.isIntegralNumber() && v.asInt() == 1, "n must be 1 on this server (one choice per request)");
        if (chat) {
            refuse(o, "logprobs", v -> v.isBoolean() && !v.asBoolean(), "logprobs are not supported by this server");
            refuse(o, "tools", v -> v.isArray() && v.isEmpty(), "tools (function calling) are not supported by this "
                    + "model");
        }
        boolean stream = bool(o, "stream");
        boolean includeUsage = false;
        JsonNode so = o.get("stream_options");
        if (so != null && !so.isNull()) {
            if (!so.isObject()) {
                throw ApiException.invalid("stream_options", "'stream_options' must be an object");
            }
            includeUsage = bool((ObjectNode) so, "include_usage");
        }
        Integer maxTokens = integer(o, chat && o.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens");
        return new OpenAiRequest(chat, model, messages, prompt, promptIds, stream, includeUsage, maxTokens,
                number(o, "temperature"), number(o, "top_p"), integer(o, "top_k"), number(o, "repetition_penalty"),
                number(o, "frequency_penalty"), number(o, "presence_penalty"), stop(o), longValue(o, "seed"));
    }

    private static List<ChatMessage> messages(ObjectNode o) {
        JsonNode m = o.get("messages");
        if (m == null || m.isNull()) {
            throw ApiException.invalid("messages", "'messages' is required: a non-empty list of {role, content}");
        }
        if (!m.isArray() || m.isEmpty()) {
            throw ApiException.invalid("messages", "'messages' must be a non-empty list of {role, content}");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < m.size(); i++) {
            String at = "messages[" + i + "]";
            JsonNode e = m.get(i);
            if (!e.isObject()) {
                throw ApiException.invalid(at, at + " must be an object with 'role' and 'content'");
            }
            JsonNode role = e.get("role");
            if (role == null || !role.isTextual() || !ROLES.contains(role.asText())) {
                throw ApiException.invalid(at + ".role", at + ".role must be one of " + ROLES.stream().sorted().toList()
                        + " (got " + (role == null ? "nothing" : role.toString()) + ")");
            }
            out.add(new ChatMessage(role.asText(), content(e.get("content"), at + ".content")));
        }
        return out;
    }

    /** A string, or a list of {type: "text", text} parts (concatenated). */
    private static String content(JsonNode c, String at) {
        if (c == null || c.isNull()) {
            return "";
        }
        if (c.isTextual()) {
            return c.asText();
        }
        if (c.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < c.size(); i++) {
                JsonNode part = c.get(i);
                if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiException.invalid(at + "[" + i + "]", at + "[" + i + "] must be {\"type\": \"text\", \"text\": "
                            + "...}; this model reads text only");
                }
                sb.append(part.get("text").asText());
            }
            return sb.toString();
        }
        throw ApiException.invalid(at, at + " must be a string or a list of text parts (got " + c.getNodeType() + ")");
    }

    private interface Check {
        boolean ok(JsonNode v);
    }

    private static void refuse(ObjectNode o, String field, Check allowed, String message) {
        JsonNode v = o.get(field);
        if (v != null && !v.isNull() && !allowed.ok(v)) {
            throw ApiException.invalid(field, message);
        }
    }

    private static boolean allInts(JsonNode a) {
        for (JsonNode n : a) {
            if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                return false;
            }
        }
        return true;
    }

    private static String string(ObjectNode o, String field, boolean required) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw ApiException.invalid(field, "'" + field + "' is required (GET /v1/models lists the served model)");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw ApiException.invalid(field, "'" + field + "' must be a string (got " + v + ")");
        }
        return v.asText();
    }

    private static boolean bool(ObjectNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw ApiException.invalid(field, "'" + field + "' must be true or false (got " + v + ")");
        }
        return v.asBoolean();
    }

    private static Double number(ObjectNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw ApiException.invalid(field, "'" + field + "' must be a number (got " + v + ")");
        }
        return v.asDouble();
    }

    private static Integer integer(ObjectNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw ApiException.invalid(field, "'" + field + "' must be an integer (got " + v + ")");
        }
        return v.asInt();
    }

    private static Long longValue(ObjectNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw ApiException.invalid(field, "'" + field + "' must be an integer (got " + v + ")");
        }
        return v.asLong();
    }

    private static List<String> stop(ObjectNode o) {
        JsonNode v = o.get("stop");
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (v.isTextual()) {
            return List.of(v.asText());
        }
        if (v.isArray()) {
            List<String> out = new ArrayList<>();
            for (JsonNode s : v) {
                if (!s.isTextual()) {
                    throw ApiException.invalid("stop", "'stop' must be a string or a list of strings (got " + v + ")");
                }
                out.add(s.asText());
            }
            return out;
        }
        throw ApiException.invalid("stop", "'stop' must be a string or a list of strings (got " + v + ")");
    }
}
