package io.llmagentos.dataprep.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmagentos.dataprep.PrepConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextNormalizerTest {
    private final TextNormalizer n = new TextNormalizer(PrepConfig.Normalize.defaults());

    @Test
    void nfcControlCharsAndWhitespace() {
        String decomposed = "Cafe\u0301  \t menu\u0000\u0007\r\n\n\n\nnext\u00a0 line  ";
        assertThat(n.normalize(decomposed).text()).isEqualTo("Café menu\n\nnext line");
    }

    @Test
    void htmlBecomesTextAndChromeGoes() {
        String html = "<div class=\"cookie-banner\">We use cookies. [Accept all]</div>\n"
                + "<nav><a href=\"/\">Home</a> | <a href=\"/kb\">KB</a></nav>\n"
                + "<h1>Pump P-100</h1><p>Check the seal &amp; the bearing.<br>Torque 45&nbsp;Nm.</p>\n"
                + "<footer>© 2024 ACME · Imprint</footer>";
        TextNormalizer.Result r = n.normalize(html);
        assertThat(r.html()).isTrue();
        assertThat(r.text()).isEqualTo("Pump P-100\nCheck the seal & the bearing.\nTorque 45 Nm.");
    }

    @Test
    void plainTextWithAngleBracketsIsNotHtml() {
        assertThat(n.normalize("Keep pressure < 5 bar and > 2 bar.").text()).isEqualTo("Keep pressure < 5 bar and > 2 bar.");
    }

    @Test
    void boilerplateLinesGoButProseStays() {
        String text = "Skip to main content\nHome > Support > Knowledge Base\n"
                + "This website uses cookies. Accept | Decline | More information\n"
                + "Replace the filter every 500 hours.\n"
                + "Home | Products | Service | Spare Parts | Contact\n"
                + "Was this article helpful? Yes / No\nShare: LinkedIn | X | Email\n"
                + "Copyright 2024 Delta Field Service Ltd. All rights reserved. | Privacy | Cookies | Sitemap";
        TextNormalizer.Result r = n.normalize(text);
        assertThat(r.text()).isEqualTo("Replace the filter every 500 hours.");
        assertThat(r.boilerplateLines()).isEqualTo(7);
        // A sentence that mentions cookies or a home page is not chrome.
        assertThat(n.normalize("Open the home page of the controller to read the fault log.").text())
                .isEqualTo("Open the home page of the controller to read the fault log.");
    }

    @Test
    void everythingCanBeSwitchedOff() {
        TextNormalizer off = new TextNormalizer(new PrepConfig.Normalize(false, false, false, false, false, List.of()));
        assertThat(off.normalize("<b>x</b>  y").text()).isEqualTo("<b>x</b>  y");
    }
}
