package io.llmagentos.core.pii.internal;

import io.llmagentos.core.pii.PiiDetector;
import io.llmagentos.core.pii.PiiSpan;
import io.llmagentos.core.pii.PiiType;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Person names where text names a person by convention rather than by dictionary: the line after a
 * closing ("Kind regards,", "Thanks,", "--", "Mit freundlichen Grüßen"), and the words after a contact
 * cue ("Site contact …", "technician …", "Mr./Ms./Dr. …"). A name is 2–4 capitalised words, with
 * lower-case particles (van, der, de, von, da, del, la, le) allowed inside. Names in free prose without
 * such a cue are not found: that needs a NER model, which core (Jackson only) does not carry.
 */
public final class SignatureNameDetector implements PiiDetector {
    private static final String CAP = "\\p{Lu}[\\p{L}'’\\-]*\\p{Ll}[\\p{L}'’\\-]*|\\p{Lu}\\.";
    private static final String PARTICLE = "(?:van|der|den|de|von|da|del|della|la|le|du|dos|di|bin|al)";
    private static final String NAME = "(?:" + CAP + ")(?:[ ](?:" + PARTICLE + "[ ])*(?:" + CAP + ")){1,3}";

    private static final Pattern SIGNATURE = Pattern.compile(
            "(?m)^[ \\t]*(?i:kind regards|best regards|warm regards|regards|best wishes|best|thanks|thank you|"
                    + "many thanks|cheers|sincerely|yours sincerely|yours faithfully|--|mit freundlichen grüßen|"
                    + "viele grüße|beste grüße|cordialement|bien cordialement|saludos|saludos cordiales|"
                    + "atentamente|un saludo)[ \\t]*[,.!]?[ \\t]*\\r?\\n[ \\t]*(" + NAME + ")(?=[ \\t]*(?:$|[|,(]))");
    private static final Pattern CUE = Pattern.compile(
            "(?:\\b(?:[Cc]ontact(?: person)?|[Tt]echnician|[Ee]ngineer|[Aa]ttn\\.?|[Aa]sk for|[Ss]igned(?: off)? by)"
                    + "[:]?[ ]|\\b(?:Mr|Mrs|Ms|Dr|Herr|Frau|M|Mme|Sr|Sra)\\.?[ ])(" + NAME + ")\\b");

    @Override
    public List<PiiSpan> detect(String text) {
        List<PiiSpan> out = new ArrayList<>();
        add(out, SIGNATURE.matcher(text));
        add(out, CUE.matcher(text));
        return out;
    }

    private static void add(List<PiiSpan> out, Matcher m) {
        while (m.find()) {
            PiiSpan s = new PiiSpan(PiiType.PERSON_NAME, m.start(1), m.end(1));
            if (out.stream().noneMatch(s::overlaps)) {
                out.add(s);
            }
        }
    }
}
