package io.llmagentos.core.pii;

import io.llmagentos.core.pii.internal.IbanDetector;
import io.llmagentos.core.pii.internal.Ipv6Detector;
import io.llmagentos.core.pii.internal.RegexDetector;
import io.llmagentos.core.pii.internal.SignatureNameDetector;
import java.util.regex.Pattern;

/**
 * The built-in detectors. Each pairs a candidate pattern with a validator (Luhn, mod-97, octet ranges,
 * digit counts), because patterns alone flag part numbers, versions and dates in technical text.
 */
public final class PiiDetectors {
    private PiiDetectors() {
    }

    private static final Pattern EMAIL = Pattern.compile(
            "(?<![\\p{L}\\p{N}._%+\\-])[\\p{L}\\p{N}._%+\\-]+@[\\p{L}\\p{N}\\-]+(?:\\.[\\p{L}\\p{N}\\-]+)*\\.\\p{L}{2,24}"
                    + "(?![\\p{L}\\p{N}\\-])");

    /** International (+CC or 00CC), North American ((NNN) NNN-NNNN, NNN-NNN-NNNN) numbers. */
    private static final Pattern PHONE = Pattern.compile(
            "(?<![\\p{L}\\p{N}+\\-./])(?:"
                    + "\\+\\d{1,3}(?:[ ]?\\(\\d{1,4}\\))?(?:[ .\\-]?\\d{1,5}){2,6}"
                    + "|00\\d{1,3}(?:[ .\\-]\\d{2,8}){2,5}"
                    + "|\\(\\d{3}\\)[ ]?\\d{3}[ .\\-]\\d{4}"
                    + "|\\d{3}[.\\-]\\d{3}[.\\-]\\d{4}"
                    + ")(?![\\p{L}\\p{N}]|[.\\-/]\\d)");

    private static final Pattern IPV4 = Pattern.compile(
            "(?<![\\p{L}\\p{N}.])(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)"
                    + "(?![\\p{L}\\p{N}]|\\.\\d)");

    /** 13–19 digits in groups separated consistently by nothing, spaces or hyphens. */
    private static final Pattern CARD = Pattern.compile(
            "(?<![\\p{L}\\p{N}\\-.])(?:\\d{13,19}|\\d{4}(?: \\d{2,6}){2,4}|\\d{4}(?:-\\d{2,6}){2,4})(?![\\p{L}\\p{N}]|[\\-.]\\d)");

    public static PiiDetector email() {
        return new RegexDetector(PiiType.EMAIL, EMAIL, s -> true);
    }

    public static PiiDetector phone() {
        return new RegexDetector(PiiType.PHONE, PHONE, s -> {
            int d = RegexDetector.digits(s);
            return d >= 10 && d <= 15;
        });
    }

    public static PiiDetector ipv4() {
        return new RegexDetector(PiiType.IPV4, IPV4, s -> true);
    }

    public static PiiDetector ipv6() {
        return new Ipv6Detector();
    }

    /** Card numbers: issuer prefix (Visa, Mastercard, Amex, Discover, JCB, Diners) and a valid Luhn digit. */
    public static PiiDetector creditCard() {
        return new RegexDetector(PiiType.CREDIT_CARD, CARD, s -> {
            String d = RegexDetector.onlyDigits(s);
            return d.length() >= 13 && d.length() <= 19 && issuerPrefix(d) && Checksums.luhn(d);
        });
    }

    public static PiiDetector iban() {
        return new IbanDetector();
    }

    public static PiiDetector personName() {
        return new SignatureNameDetector();
    }

    static boolean issuerPrefix(String d) {
        int two = Integer.parseInt(d.substring(0, 2));
        int four = Integer.parseInt(d.substring(0, 4));
        return d.charAt(0) == '4'
                || (two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)
                || two == 34 || two == 37
                || four == 6011 || two == 65 || (four >= 6440 && four <= 6499)
                || (four >= 3528 && four <= 3589)
                || two == 36 || two == 38 || (four >= 3000 && four <= 3059);
    }

    /** A detector for one type. */
    public static PiiDetector forType(PiiType type) {
        return switch (type) {
            case EMAIL -> email();
            case PHONE -> phone();
            case IPV4 -> ipv4();
            case IPV6 -> ipv6();
            case CREDIT_CARD -> creditCard();
            case IBAN -> iban();
            case PERSON_NAME -> personName();
        };
    }
}
