package io.llmagentos.datasets.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmagentos.datasets.sample.internal.Pii;
import io.llmagentos.datasets.sample.internal.Rng;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class PiiValidatorsTest {
    @Test
    void luhnAcceptsKnownValidNumbersAndRejectsAlteredOnes() {
        assertThat(Pii.luhnValid("4111 1111 1111 1111")).isTrue();
        assertThat(Pii.luhnValid("5500-0000-0000-0004")).isTrue();
        assertThat(Pii.luhnValid("378282246310005")).isTrue();
        assertThat(Pii.luhnValid("4111 1111 1111 1112")).isFalse();
        assertThat(Pii.luhnValid("378282246310006")).isFalse();
        assertThat(Pii.luhnValid("12ab")).isFalse();
    }

    @Test
    void ibanAcceptsKnownValidIbansAndRejectsAlteredOnes() {
        assertThat(Pii.ibanValid("DE89 3704 0044 0532 0130 00")).isTrue();
        assertThat(Pii.ibanValid("GB82WEST12345698765432")).isTrue();
        assertThat(Pii.ibanValid("FR1420041010050500013M02606")).isTrue();
        assertThat(Pii.ibanValid("DE89 3704 0044 0532 0130 01")).isFalse();
        assertThat(Pii.ibanValid("GB82WEST12345698765423")).isFalse();
    }

    @Test
    void everyGeneratedCardAndIbanValidates() {
        Rng r = new Rng(7);
        for (int i = 0; i < 5000; i++) {
            String cc = Pii.creditCard(r);
            assertThat(Pii.luhnValid(cc)).as(cc).isTrue();
            String iban = Pii.iban(r);
            assertThat(Pii.ibanValid(iban)).as(iban).isTrue();
            // independent mod-97 with BigInteger over the rearranged number
            String s = iban.replace(" ", "");
            StringBuilder num = new StringBuilder();
            for (char c : (s.substring(4) + s.substring(0, 4)).toCharArray()) {
                num.append(Character.isDigit(c) ? Character.toString(c) : Integer.toString(c - 'A' + 10));
            }
            assertThat(new BigInteger(num.toString()).mod(BigInteger.valueOf(97)).intValue()).isEqualTo(1);
        }
    }
}
