/**
 * The bundled sample data: a small field-service text used by agentos demo, and (with the data-prep issue) the seeded dirty-corpus generator, SFT, eval and calibration sets.
 */
package io.llmagentos.datasets.sample;
