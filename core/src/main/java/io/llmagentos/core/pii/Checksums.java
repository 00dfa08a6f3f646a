package io.llmagentos.core.pii;

import java.math.BigInteger;

/** Check-digit algorithms that separate real card numbers and IBANs from random digit runs. */
public final class Checksums {
    private Checksums() {
    }

    /** Luhn (mod 10) over a string of ASCII digits; false for anything else or an empty string. */
    public static boolean luhn(CharSequence digits) {
        int n = digits.length();
        if (n == 0) {
            return false;
        }
        int sum = 0;
        boolean dbl = false;
        for (int i = n - 1; i >= 0; i--) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            int d = c - '0';
            if (dbl) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            dbl = !dbl;
        }
        return sum % 10 == 0;
    }

    /**
     * ISO 13616 IBAN check: move the first four characters to the end, map letters to 10..35, and the
     * resulting integer mod 97 must be 1. {@code iban} holds no spaces; lower case is rejected.
     */
    public static boolean ibanMod97(CharSequence iban) {
        int n = iban.length();
        if (n < 5) {
            return false;
        }
        StringBuilder num = new StringBuilder(n * 2);
        for (int k = 0; k < n; k++) {
            char c = iban.charAt((k + 4) % n);
            if (c >= '0' && c <= '9') {
                num.append(c);
            } else if (c >= 'A' && c <= 'Z') {
                num.append(c - 'A' + 10);
            } else {
                return false;
            }
        }
        // Piecewise mod keeps this allocation-free for the common case; BigInteger is the reference.
        int rem = 0;
        for (int k = 0; k < num.length(); k++) {
            rem = (rem * 10 + (num.charAt(k) - '0')) % 97;
        }
        return rem == 1;
    }

    /** Reference implementation of {@link #ibanMod97} with BigInteger, for tests. */
    static boolean ibanMod97Reference(String iban) {
        String r = iban.substring(4) + iban.substring(0, 4);
        StringBuilder num = new StringBuilder();
        for (char c : r.toCharArray()) {
            num.append(Character.isDigit(c) ? String.valueOf(c) : String.valueOf(c - 'A' + 10));
        }
        return new BigInteger(num.toString()).mod(BigInteger.valueOf(97)).intValue() == 1;
    }
}
