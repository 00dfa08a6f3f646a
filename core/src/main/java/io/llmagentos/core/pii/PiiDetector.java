package io.llmagentos.core.pii;

import java.util.List;

/** Finds one kind of personal data in text. Implementations are stateless and thread-safe. */
@FunctionalInterface
public interface PiiDetector {
    /** All spans found, in any order; spans of one detector may not overlap each other. */
    List<PiiSpan> detect(String text);
}
