/**
 * Knowledge distillation from a teacher checkpoint into a smaller student. Filled by the distillation issue.
 */
package io.llmagentos.distillation;
