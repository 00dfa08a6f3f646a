package io.llmagentos.core.pii.internal;

import io.llmagentos.core.pii.PiiDetector;
import io.llmagentos.core.pii.PiiSpan;
import io.llmagentos.core.pii.PiiType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A regex candidate finder plus a validator (checksum, digit count) that rejects look-alikes. */
public final class RegexDetector implements PiiDetector {
    private final PiiType type;
    private final Pattern pattern;
    private final Predicate<String> valid;

    public RegexDetector(PiiType type, Pattern pattern, Predicate<String> valid) {
        this.type = type;
        this.pattern = pattern;
        this.valid = valid;
    }

    @Override
    public List<PiiSpan> detect(String text) {
        List<PiiSpan> out = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            if (m.end() > m.start() && valid.test(m.group())) {
                out.add(new PiiSpan(type, m.start(), m.end()));
            }
        }
        return out;
    }

    /** Number of ASCII digits in {@code s}. */
    public static int digits(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                n++;
            }
        }
        return n;
    }

    /** {@code s} without anything but ASCII digits. */
    public static String onlyDigits(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                b.append(c);
            }
        }
        return b.toString();
    }
}
