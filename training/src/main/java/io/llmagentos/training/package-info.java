/**
 * Training on DJL (PyTorch engine): a Llama-style decoder, pretraining, full and LoRA fine-tuning, SFT. Filled by the training issue.
 */
package io.llmagentos.training;
