package io.llmagentos.core.pii.internal;

import io.llmagentos.core.pii.Checksums;
import io.llmagentos.core.pii.PiiDetector;
import io.llmagentos.core.pii.PiiSpan;
import io.llmagentos.core.pii.PiiType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * IBANs, compact ({@code DE44500105175407324931}) or in groups of four ({@code DE44 5001 0517 …}).
 * The country's registered length decides where an IBAN ends, so a following upper-case word is never
 * swallowed; the ISO 13616 mod-97 check rejects random look-alikes.
 */
public final class IbanDetector implements PiiDetector {
    /** Registered IBAN lengths (SWIFT IBAN registry) by country code. */
    private static final Map<String, Integer> LENGTHS = Map.ofEntries(
            Map.entry("AD", 24), Map.entry("AE", 23), Map.entry("AL", 28), Map.entry("AT", 20), Map.entry("AZ", 28),
            Map.entry("BA", 20), Map.entry("BE", 16), Map.entry("BG", 22), Map.entry("BH", 22), Map.entry("BR", 29),
            Map.entry("BY", 28), Map.entry("CH", 21), Map.entry("CR", 22), Map.entry("CY", 28), Map.entry("CZ", 24),
            Map.entry("DE", 22), Map.entry("DK", 18), Map.entry("DO", 28), Map.entry("EE", 20), Map.entry("EG", 29),
            Map.entry("ES", 24), Map.entry("FI", 18), Map.entry("FO", 18), Map.entry("FR", 27), Map.entry("GB", 22),
            Map.entry("GE", 22), Map.entry("GI", 23), Map.entry("GL", 18), Map.entry("GR", 27), Map.entry("GT", 28),
            Map.entry("HR", 21), Map.entry("HU", 28), Map.entry("IE", 22), Map.entry("IL", 23), Map.entry("IQ", 23),
            Map.entry("IS", 26), Map.entry("IT", 27), Map.entry("JO", 30), Map.entry("KW", 30), Map.entry("KZ", 20),
            Map.entry("LB", 28), Map.entry("LC", 32), Map.entry("LI", 21), Map.entry("LT", 20), Map.entry("LU", 20),
            Map.entry("LV", 21), Map.entry("MC", 27), Map.entry("MD", 24), Map.entry("ME", 22), Map.entry("MK", 19),
            Map.entry("MR", 27), Map.entry("MT", 31), Map.entry("MU", 30), Map.entry("NL", 18), Map.entry("NO", 15),
            Map.entry("PK", 24), Map.entry("PL", 28), Map.entry("PS", 29), Map.entry("PT", 25), Map.entry("QA", 29),
            Map.entry("RO", 24), Map.entry("RS", 22), Map.entry("SA", 24), Map.entry("SC", 31), Map.entry("SE", 24),
            Map.entry("SI", 19), Map.entry("SK", 24), Map.entry("SM", 27), Map.entry("ST", 25), Map.entry("SV", 28),
            Map.entry("TL", 23), Map.entry("TN", 24), Map.entry("TR", 26), Map.entry("UA", 29), Map.entry("VA", 22),
            Map.entry("VG", 24), Map.entry("XK", 20));
    private static final Pattern START = Pattern.compile("(?<![A-Za-z0-9])([A-Z]{2})\\d{2}");

    @Override
    public List<PiiSpan> detect(String text) {
        List<PiiSpan> out = new ArrayList<>();
        Matcher m = START.matcher(text);
        int from = 0;
        while (from < text.length() && m.find(from)) {
            Integer len = LENGTHS.get(m.group(1));
            int end = len == null ? -1 : scan(text, m.start(), len);
            if (end > 0) {
                out.add(new PiiSpan(PiiType.IBAN, m.start(), end));
                from = end;
            } else {
                from = m.start() + 1;
            }
        }
        return out;
    }

    /** Collects {@code len} alphanumerics from {@code start}, allowing single spaces between them. */
    private static int scan(String text, int start, int len) {
        StringBuilder iban = new StringBuilder(len);
        int i = start;
        while (i < text.length() && iban.length() < len) {
            char c = text.charAt(i);
            if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) {
                iban.append(c);
                i++;
            } else if (c == ' ' && iban.length() > 0 && i + 1 < text.length() && isAlnum(text.charAt(i + 1))) {
                i++;
            } else {
                return -1;
            }
        }
        if (iban.length() != len || (i < text.length() && isAlnumAny(text.charAt(i)))) {
            return -1;
        }
        return Checksums.ibanMod97(iban) ? i : -1;
    }

    private static boolean isAlnum(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isAlnumAny(char c) {
        return Character.isLetterOrDigit(c);
    }
}
