package io.llmagentos.datasets.sample.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The faithful corpus documents (unedited, English, one model each) indexed by the model codes they
 * mention, so that every SFT answer and eval gold answer can point at corpus documents that state it.
 * Holds the texts in memory: meant for the small committed corpus, not for multi-GB runs.
 */
public final class FactIndex {
    /** Model codes are a 2-3 letter family prefix, a dash and three digits (CX-175, AHU-312). */
    private static final Pattern MODEL_CODE = Pattern.compile("\\b[A-Z]{2,3}-\\d{3}\\b");

    private final List<String> ids = new ArrayList<>();
    private final List<String> texts = new ArrayList<>();
    private final Map<String, List<Integer>> byModel = new HashMap<>();

    /** Adds a faithful document. */
    public void add(String id, String text) {
        int doc = ids.size();
        ids.add(id);
        texts.add(text);
        Matcher m = MODEL_CODE.matcher(text);
        while (m.find()) {
            List<Integer> docs = byModel.computeIfAbsent(m.group(), k -> new ArrayList<>());
            if (docs.isEmpty() || docs.get(docs.size() - 1) != doc) {
                docs.add(doc);
            }
        }
    }

    /** Ids (in corpus order, at most {@code max}) of documents that mention {@code modelCode} and satisfy {@code states}. */
    public List<String> support(String modelCode, Predicate<String> states, int max) {
        List<String> out = new ArrayList<>();
        for (int doc : byModel.getOrDefault(modelCode, List.of())) {
            if (states.test(texts.get(doc))) {
                out.add(ids.get(doc));
                if (out.size() == max) {
                    break;
                }
            }
        }
        return out;
    }

    /** True if {@code token} occurs in {@code text} with no letter or digit right before or after it. */
    public static boolean containsToken(String text, String token) {
        for (int at = text.indexOf(token); at >= 0; at = text.indexOf(token, at + 1)) {
            int end = at + token.length();
            if ((at == 0 || !Character.isLetterOrDigit(text.charAt(at - 1)))
                    && (end == text.length() || !Character.isLetterOrDigit(text.charAt(end)))) {
                return true;
            }
        }
        return false;
    }
}
