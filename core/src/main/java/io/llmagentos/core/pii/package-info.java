/**
 * Personal-data detectors and a redactor with typed placeholders, in plain Java so that data-prep
 * (inside Spark tasks) and the serving runtime (on edge devices) use the same code.
 */
package io.llmagentos.core.pii;
