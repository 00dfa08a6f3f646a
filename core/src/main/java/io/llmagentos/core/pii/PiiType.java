package io.llmagentos.core.pii;

import java.util.Locale;

/** The kinds of personal data the detectors find, each with the placeholder that replaces it. */
public enum PiiType {
    EMAIL, PHONE, IPV4, IPV6, CREDIT_CARD, IBAN, PERSON_NAME;

    /** The typed placeholder written in place of a redacted span, e.g. {@code <EMAIL>}. */
    public String placeholder() {
        return "<" + name() + ">";
    }

    /** The external (snake_case) name used in reports and the sample manifest, e.g. {@code credit_card}. */
    public String externalName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses an external name ({@code "credit_card"}) or enum name; throws with the accepted names. */
    public static PiiType fromExternalName(String name) {
        for (PiiType t : values()) {
            if (t.externalName().equals(name) || t.name().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown PII type '" + name + "' (expected one of "
                + java.util.Arrays.stream(values()).map(PiiType::externalName).toList() + ")");
    }
}
