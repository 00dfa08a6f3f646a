/**
 * Pipelines: composes the stages' Java APIs into DAG runs, and hosts the {@code agentos} command-line
 * interface ({@link io.llmagentos.pipelines.cli.AgentosCli}).
 */
package io.llmagentos.pipelines;
