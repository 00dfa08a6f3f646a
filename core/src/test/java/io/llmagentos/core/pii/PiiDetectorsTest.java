package io.llmagentos.core.pii;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PiiDetectorsTest {
    private static List<String> found(PiiDetector d, String text) {
        return d.detect(text).stream().map(s -> s.value(text)).toList();
    }

    @Test
    void emails() {
        assertThat(found(PiiDetectors.email(), "write to j.doe+pumps@acme-pumps.co.uk, or a@b.de."))
                .containsExactly("j.doe+pumps@acme-pumps.co.uk", "a@b.de");
        assertThat(found(PiiDetectors.email(), "see @mention and user@localhost")).isEmpty();
    }

    @Test
    void phonesNeedTenToFifteenDigitsAndAPhoneShape() {
        assertThat(found(PiiDetectors.phone(),
                "call +49 30 6435 3304 or (764) 497-1900 or 911-338-4427, 0049 796 742326, +1 (555) 010-9999"))
                .containsExactly("+49 30 6435 3304", "(764) 497-1900", "911-338-4427", "0049 796 742326",
                        "+1 (555) 010-9999");
        assertThat(found(PiiDetectors.phone(),
                "on 2024-05-17, part 123-456-78901, torque 45 Nm, pressure +12 bar, order 1234567890"))
                .isEmpty();
    }

    @Test
    void ipv4RejectsOutOfRangeOctetsAndLongerDottedRuns() {
        assertThat(found(PiiDetectors.ipv4(), "gateway 192.168.66.101, mask 255.255.255.0."))
                .containsExactly("192.168.66.101", "255.255.255.0");
        assertThat(found(PiiDetectors.ipv4(), "firmware 1.2.3.4.5, value 256.1.1.1, section 3.2.1")).isEmpty();
    }

    @Test
    void ipv6FullAndCompressedButNotClockTimes() {
        assertThat(found(PiiDetectors.ipv6(),
                "at fe80::53e9:5661:72f5 and 2001:db8:ea7f:89c1:f213:b8be:1640:3952. 2a02:51d2:24ae::a3fb"))
                .containsExactly("fe80::53e9:5661:72f5", "2001:db8:ea7f:89c1:f213:b8be:1640:3952",
                        "2a02:51d2:24ae::a3fb");
        assertThat(found(PiiDetectors.ipv6(), "at 12:30:45, ratio 3:1, a::b::c, MAC 00:1A:2B:3C:4D:5E")).isEmpty();
    }

    @Test
    void cardsNeedIssuerPrefixAndLuhn() {
        assertThat(found(PiiDetectors.creditCard(),
                "card 4011 2836 3102 8777, amex 3782 228288 29550, 4616-8644-3858-9514, 5472770551757350"))
                .containsExactly("4011 2836 3102 8777", "3782 228288 29550", "4616-8644-3858-9514", "5472770551757350");
        // Same shapes, Luhn digit off by one; and a valid Luhn number without an issuer prefix.
        assertThat(found(PiiDetectors.creditCard(), "4011 2836 3102 8778, 5472770551757351, 1234567812345670"))
                .isEmpty();
    }

    @Test
    void ibansCompactAndGroupedStopAtTheCountryLength() {
        assertThat(found(PiiDetectors.iban(),
                "IBAN GB02 NWBK 7969 4368 9970 56 EUR. Or DE51934705259906027019 and NL39INGB4198220040."))
                .containsExactly("GB02 NWBK 7969 4368 9970 56", "DE51934705259906027019", "NL39INGB4198220040");
        assertThat(found(PiiDetectors.iban(), "DE51934705259906027018, XX12 3456, GB02NWBK79694368997056X"))
                .isEmpty();
    }

    @Test
    void namesAfterClosingsAndContactCues() {
        String text = "Fixed.\n\nKind regards,\nŁukasz van der Berg\nField Service Engineer\n"
                + "Site contact Elena O'Brien can be reached on +33 4 96 52 46 12.\n--\nFatima Jansen | Service Desk";
        assertThat(found(PiiDetectors.personName(), text))
                .containsExactlyInAnyOrder("Łukasz van der Berg", "Elena O'Brien", "Fatima Jansen");
        assertThat(found(PiiDetectors.personName(), "Thanks,\nthe team\nContact us for spare parts")).isEmpty();
    }

    @Test
    void redactorReplacesWithTypedPlaceholdersAndCounts() {
        PiiRedactor r = new PiiRedactor();
        PiiRedactor.Redaction red = r.redact("Mail a@b.de or c@d.fr, card 4011 2836 3102 8777, host 10.0.0.1.");
        assertThat(red.text()).isEqualTo("Mail <EMAIL> or <EMAIL>, card <CREDIT_CARD>, host <IPV4>.");
        assertThat(red.counts()).containsEntry(PiiType.EMAIL, 2).containsEntry(PiiType.CREDIT_CARD, 1)
                .containsEntry(PiiType.IPV4, 1).hasSize(3);
        assertThat(r.redact("nothing here").changed()).isFalse();
    }

    @Test
    void checksummedTypesWinOverlapsAndDisabledTypesAreKept() {
        // 16 digits in 4-4-4-4 also fit the "00CC" phone shape when they start with 00; a card does not.
        PiiRedactor onlyEmail = new PiiRedactor(EnumSet.of(PiiType.EMAIL));
        assertThat(onlyEmail.redact("a@b.de 10.0.0.1").text()).isEqualTo("<EMAIL> 10.0.0.1");
        PiiRedactor all = new PiiRedactor();
        assertThat(all.redact("pay 4556 3368 9912 8407 now").text()).isEqualTo("pay <CREDIT_CARD> now");
    }

    @Test
    void mod97MatchesTheBigIntegerReference() {
        Random rnd = new Random(7);
        for (int i = 0; i < 2000; i++) {
            StringBuilder b = new StringBuilder("DE");
            for (int k = 0; k < 20; k++) {
                b.append((char) ('0' + rnd.nextInt(10)));
            }
            if (rnd.nextBoolean()) {
                b.setCharAt(6, (char) ('A' + rnd.nextInt(26)));
            }
            String s = b.toString();
            assertThat(Checksums.ibanMod97(s)).as(s).isEqualTo(Checksums.ibanMod97Reference(s));
        }
        assertThat(Checksums.luhn("79927398713")).isTrue();
        assertThat(Checksums.luhn("79927398710")).isFalse();
        assertThat(Checksums.luhn("")).isFalse();
    }
}
