/**
 * The bundled sample data: a small field-service text used by {@code agentos demo}
 * ({@link io.llmagentos.datasets.sample.SampleData}), the seeded generator of deliberately dirty corpora with a
 * ground-truth manifest ({@link io.llmagentos.datasets.sample.CorpusGenerator}), and the committed corpus with its
 * SFT, eval and calibration sets ({@link io.llmagentos.datasets.sample.SampleDatasets}).
 */
package io.llmagentos.datasets.sample;
