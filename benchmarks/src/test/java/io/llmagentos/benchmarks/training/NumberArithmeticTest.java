package io.llmagentos.benchmarks.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmagentos.testsupport.ClassRefs;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The benchmarks' own training loops make tensor–number products through training's Scalars too. */
class NumberArithmeticTest {
    @Test
    void benchmarksCallNoNumberOverloadOfDjl() {
        assertThat(ClassRefs.djlNumberArithmeticCallers(Path.of("target/classes"))).isEmpty();
    }
}
