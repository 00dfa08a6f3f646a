package io.llmagentos.datasets.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeterminismTest {
    @Test
    void sameSeedGivesByteIdenticalOutputAndAnotherSeedDoesNot(@TempDir Path tmp) throws Exception {
        GeneratorConfig cfg = GeneratorConfig.defaults(7, 3_000_000).withHugeFraction(0);
        List<long[]> progress = new ArrayList<>();
        GenerationResult a = new CorpusGenerator(cfg).generate(tmp.resolve("a"), (b, t, d) -> progress.add(new long[] {b, t, d}));
        GenerationResult b = new CorpusGenerator(cfg).generate(tmp.resolve("b"), ProgressCallback.NONE);
        GenerationResult c = new CorpusGenerator(GeneratorConfig.defaults(8, 3_000_000).withHugeFraction(0))
                .generate(tmp.resolve("c"), ProgressCallback.NONE);
        assertThat(a.bytes()).isGreaterThanOrEqualTo(3_000_000);
        assertThat(a.shards()).hasSize(1);
        assertThat(Files.mismatch(a.shards().get(0), b.shards().get(0))).isEqualTo(-1);
        assertThat(Files.mismatch(a.manifest(), b.manifest())).isEqualTo(-1);
        assertThat(Files.mismatch(a.shards().get(0), c.shards().get(0))).isNotEqualTo(-1);
        assertThat(a.planted()).isEqualTo(b.planted());
        assertThat(progress).isNotEmpty();
        assertThat(progress.get(progress.size() - 1)[0]).isEqualTo(a.bytes());
        assertThat(progress.get(progress.size() - 1)[2]).isEqualTo(a.documents());
        try (var files = Files.list(tmp.resolve("a"))) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly("corpus-00000.jsonl", "manifest.json"); // no leftover part files
        }
    }

    @Test
    void largeCorporaRollIntoShardsOfBoundedSize(@TempDir Path tmp) throws Exception {
        GeneratorConfig d = GeneratorConfig.defaults(3, 9_000_000);
        GeneratorConfig cfg = new GeneratorConfig(d.seed(), d.targetBytes(), 4L << 20, d.nearDuplicateFraction(),
                d.exactDuplicateFraction(), d.piiFraction(), d.otherLanguageFraction(), d.boilerplateFraction(),
                d.malformedLineFraction(), d.invalidUtf8Fraction(), d.emptyFraction(), d.spamFraction(), 0.0);
        GenerationResult r = new CorpusGenerator(cfg).generate(tmp, ProgressCallback.NONE);
        assertThat(r.shards()).hasSize(3);
        long total = 0;
        for (Path p : r.shards()) {
            assertThat(Files.size(p)).isLessThanOrEqualTo(4L << 20);
            total += Files.size(p);
        }
        assertThat(total).isEqualTo(r.bytes());
        Corpus corpus = new Corpus(tmp);
        assertThat(corpus.docs).hasSize((int) r.documents());
        for (var e : corpus.manifest.get("malformed_lines")) {
            Corpus.Line l = corpus.lines.stream().filter(x -> x.file().equals(e.get("file").asText())
                    && x.number() == e.get("line").asInt()).findFirst().orElseThrow();
            var parsed = Corpus.tryParse(l.lossy());
            assertThat(parsed == null || !parsed.isObject()).isTrue();
        }
    }
}
