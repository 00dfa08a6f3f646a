package io.llmagentos.datasets.sample.internal;

import java.math.BigInteger;

/** Generators for personal data that looks and validates like the real thing, and the validators themselves. */
public final class Pii {
    public static final String EMAIL = "email";
    public static final String PHONE = "phone";
    public static final String IPV4 = "ipv4";
    public static final String IPV6 = "ipv6";
    public static final String CREDIT_CARD = "credit_card";
    public static final String IBAN = "iban";
    public static final String PERSON_NAME = "person_name";

    static final String[] FIRST = {"Anna", "Markus", "Jürgen", "Sofia", "James", "Emily", "Lukas", "Chloé", "François",
        "José", "María", "Łukasz", "Olivia", "Noah", "Henrik", "Ingrid", "Ahmed", "Priya", "Kenji", "Fatima", "Tomás",
        "Greta", "Oliver", "Zoë", "Mateo", "Elena", "Pieter", "Sanne", "Rahul", "Mei", "Dmitri", "Aoife"};
    static final String[] LAST = {"Keller", "Müller", "Schmidt", "Dubois", "García", "Fernández", "Novak", "Kowalski",
        "Smith", "O'Brien", "Johansson", "Nakamura", "Patel", "Haddad", "van der Berg", "Rossi", "Moreau", "Jansen",
        "Wagner", "Lindqvist", "Hernández", "Fischer", "Brennan", "Kovačević", "Lefèvre", "Bauer", "Costa", "Ivanova"};
    static final String[] DOMAINS = {"northfield-water.co.uk", "kellner-anlagenbau.de", "acme-pumps.com",
        "riverside-utilities.org", "fabrica-norte.es", "usine-lyon.fr", "service.delta-hvac.com", "plant-ops.example.net",
        "gmail.com", "outlook.com", "t-online.de", "orange.fr"};

    private Pii() {
    }

    /** A person's display name, e.g. "Jürgen Müller". */
    public static String name(Rng r) {
        return r.pick(FIRST) + " " + r.pick(LAST);
    }

    public static String email(Rng r) {
        String first = ascii(r.pick(FIRST)).toLowerCase(java.util.Locale.ROOT);
        String last = ascii(r.pick(LAST)).toLowerCase(java.util.Locale.ROOT).replace(" ", "").replace("'", "");
        String local = switch (r.nextInt(4)) {
            case 0 -> first + "." + last;
            case 1 -> first.charAt(0) + "." + last;
            case 2 -> last + r.between(1, 99);
            default -> "service-" + last;
        };
        return local + "@" + r.pick(DOMAINS);
    }

    private static String ascii(String s) {
        return java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFD).replaceAll("\\p{M}", "")
                .replace("Ł", "L").replace("ł", "l");
    }

    /** Phone numbers in national and international formats. */
    public static String phone(Rng r) {
        return switch (r.nextInt(8)) {
            case 0 -> "+49 " + r.between(30, 89) + " " + r.between(1000, 9999) + " " + r.between(1000, 9999);
            case 1 -> "+1 (" + r.between(201, 989) + ") 555-" + r.between(1000, 9999);
            case 2 -> "(" + r.between(201, 989) + ") " + r.between(200, 999) + "-" + r.between(1000, 9999);
            case 3 -> r.between(201, 989) + "-" + r.between(200, 999) + "-" + r.between(1000, 9999);
            case 4 -> "+44 20 " + r.between(7000, 8999) + " " + r.between(1000, 9999);
            case 5 -> "+33 " + r.between(1, 9) + " " + r.between(10, 99) + " " + r.between(10, 99) + " "
                    + r.between(10, 99) + " " + r.between(10, 99);
            case 6 -> "0049 " + r.between(700, 799) + " " + r.between(100000, 999999);
            default -> "+34 " + r.between(600, 999) + " " + r.between(100, 999) + " " + r.between(100, 999);
        };
    }

    public static String ipv4(Rng r) {
        return switch (r.nextInt(4)) {
            case 0 -> "10." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.between(1, 254);
            case 1 -> "192.168." + r.nextInt(256) + "." + r.between(1, 254);
            case 2 -> "172." + r.between(16, 31) + "." + r.nextInt(256) + "." + r.between(1, 254);
            default -> r.between(11, 223) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.between(1, 254);
        };
    }

    public static String ipv6(Rng r) {
        StringBuilder sb = new StringBuilder();
        switch (r.nextInt(3)) {
            case 0 -> {
                sb.append("2001:db8");
                for (int i = 0; i < 6; i++) {
                    sb.append(':').append(Integer.toHexString(r.nextInt(0x10000)));
                }
            }
            case 1 -> sb.append("fe80::").append(Integer.toHexString(r.between(0x100, 0xffff))).append(':')
                    .append(Integer.toHexString(r.between(0x100, 0xffff))).append(':')
                    .append(Integer.toHexString(r.between(0x100, 0xffff)));
            default -> sb.append("2a02:").append(Integer.toHexString(r.between(0x1000, 0xffff))).append(':')
                    .append(Integer.toHexString(r.nextInt(0x10000))).append("::").append(Integer.toHexString(r.between(1, 0xffff)));
        }
        return sb.toString();
    }

    /** A card number with a valid Luhn check digit (Visa, Mastercard or Amex layout), sometimes grouped. */
    public static String creditCard(Rng r) {
        int kind = r.nextInt(3);
        int len = kind == 2 ? 15 : 16;
        StringBuilder d = new StringBuilder();
        switch (kind) {
            case 0 -> d.append('4');
            case 1 -> d.append(5).append(r.between(1, 5));
            default -> d.append('3').append(r.chance(0.5) ? '4' : '7');
        }
        while (d.length() < len - 1) {
            d.append((char) ('0' + r.nextInt(10)));
        }
        d.append((char) ('0' + luhnCheckDigit(d)));
        int style = r.nextInt(3);
        if (style == 0) {
            return d.toString();
        }
        char sep = style == 1 ? ' ' : '-';
        int[] groups = len == 15 ? new int[] {4, 6, 5} : new int[] {4, 4, 4, 4};
        StringBuilder out = new StringBuilder();
        int at = 0;
        for (int g : groups) {
            if (at > 0) {
                out.append(sep);
            }
            out.append(d, at, at + g);
            at += g;
        }
        return out.toString();
    }

    /** The digit that makes {@code payload + digit} pass the Luhn check. */
    static int luhnCheckDigit(CharSequence payload) {
        int sum = 0;
        boolean dbl = true;
        for (int i = payload.length() - 1; i >= 0; i--) {
            int v = payload.charAt(i) - '0';
            if (dbl) {
                v *= 2;
                if (v > 9) {
                    v -= 9;
                }
            }
            sum += v;
            dbl = !dbl;
        }
        return (10 - sum % 10) % 10;
    }

    /** Luhn (mod 10) check of a number; spaces and dashes are ignored. */
    public static boolean luhnValid(String number) {
        String d = number.replace(" ", "").replace("-", "");
        if (d.length() < 12 || !d.chars().allMatch(Character::isDigit)) {
            return false;
        }
        int sum = 0;
        boolean dbl = false;
        for (int i = d.length() - 1; i >= 0; i--) {
            int v = d.charAt(i) - '0';
            if (dbl) {
                v *= 2;
                if (v > 9) {
                    v -= 9;
                }
            }
            sum += v;
            dbl = !dbl;
        }
        return sum % 10 == 0;
    }

    /** An IBAN with valid ISO 13616 check digits, printed plain or in groups of four. */
    public static String iban(Rng r) {
        String country;
        StringBuilder bban = new StringBuilder();
        switch (r.nextInt(5)) {
            case 0 -> {
                country = "DE";
                digits(r, bban, 18);
            }
            case 1 -> {
                country = "GB";
                bban.append(r.pick(new String[] {"NWBK", "BARC", "MIDL", "LOYD"}));
                digits(r, bban, 14);
            }
            case 2 -> {
                country = "FR";
                digits(r, bban, 23);
            }
            case 3 -> {
                country = "ES";
                digits(r, bban, 20);
            }
            default -> {
                country = "NL";
                bban.append(r.pick(new String[] {"ABNA", "INGB", "RABO"}));
                digits(r, bban, 10);
            }
        }
        int check = 98 - mod97(bban + country + "00");
        String iban = country + (check < 10 ? "0" : "") + check + bban;
        if (r.chance(0.5)) {
            return iban;
        }
        StringBuilder g = new StringBuilder();
        for (int i = 0; i < iban.length(); i += 4) {
            if (i > 0) {
                g.append(' ');
            }
            g.append(iban, i, Math.min(iban.length(), i + 4));
        }
        return g.toString();
    }

    private static void digits(Rng r, StringBuilder sb, int n) {
        for (int i = 0; i < n; i++) {
            sb.append((char) ('0' + r.nextInt(10)));
        }
    }

    /** ISO 7064 mod 97-10 of an alphanumeric string, letters counting A=10 … Z=35. */
    static int mod97(String s) {
        int rem = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int v = Character.isDigit(c) ? c - '0' : c - 'A' + 10;
            rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
        }
        return rem;
    }

    /** The IBAN check: move the first four characters to the end, read letters as numbers, mod 97 must be 1. */
    public static boolean ibanValid(String iban) {
        String s = iban.replace(" ", "");
        if (s.length() < 15 || s.length() > 34 || !s.chars().allMatch(Character::isLetterOrDigit)) {
            return false;
        }
        String moved = s.substring(4) + s.substring(0, 4);
        StringBuilder num = new StringBuilder();
        for (char c : moved.toCharArray()) {
            num.append(Character.isDigit(c) ? String.valueOf(c - '0') : String.valueOf(c - 'A' + 10));
        }
        return new BigInteger(num.toString()).mod(BigInteger.valueOf(97)).intValue() == 1;
    }
}
