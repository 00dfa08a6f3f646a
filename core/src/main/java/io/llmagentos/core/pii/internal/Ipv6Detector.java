package io.llmagentos.core.pii.internal;

import io.llmagentos.core.pii.PiiDetector;
import io.llmagentos.core.pii.PiiSpan;
import io.llmagentos.core.pii.PiiType;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * IPv6 addresses in full or {@code ::}-compressed form. A run of hex digits and colons is a candidate;
 * it counts only if it parses as RFC 4291 text (1–4 hex digits per group, at most one {@code ::},
 * eight groups in all), so clock times like {@code 12:30:45} and ratios never match.
 */
public final class Ipv6Detector implements PiiDetector {
    private static final Pattern CANDIDATE =
            Pattern.compile("(?<![0-9A-Za-z:.])[0-9A-Fa-f:]*:[0-9A-Fa-f:]*(?![0-9A-Za-z:])");

    @Override
    public List<PiiSpan> detect(String text) {
        List<PiiSpan> out = new ArrayList<>();
        Matcher m = CANDIDATE.matcher(text);
        while (m.find()) {
            if (valid(m.group())) {
                out.add(new PiiSpan(PiiType.IPV6, m.start(), m.end()));
            }
        }
        return out;
    }

    /** True if {@code s} is an IPv6 address in text form (without an embedded IPv4 tail or zone). */
    public static boolean valid(String s) {
        if (s.length() < 3 || s.length() > 39) {
            return false;
        }
        int dc = s.indexOf("::");
        if (dc >= 0 && s.indexOf("::", dc + 1) >= 0) {
            return false;
        }
        if (dc < 0) {
            return groups(s) == 8;
        }
        String head = s.substring(0, dc);
        String tail = s.substring(dc + 2);
        int h = head.isEmpty() ? 0 : groups(head);
        int t = tail.isEmpty() ? 0 : groups(tail);
        // "::" alone or "::1" style are addresses, but too short to be PII worth a placeholder.
        return h >= 0 && t >= 0 && h + t <= 7 && h + t >= 2;
    }

    /** Number of colon-separated groups of 1–4 hex digits, or -1 if malformed. */
    private static int groups(String s) {
        String[] parts = s.split(":", -1);
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 4) {
                return -1;
            }
        }
        return parts.length;
    }
}
