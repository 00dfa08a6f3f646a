package io.llmagentos.pipelines.cli;

import ai.djl.Device;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.tokenizer.ChatMessage;
import io.llmagentos.core.tokenizer.ChatMl;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.training.Generator;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.Sampling;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code agentos generate --checkpoint DIR --prompt TEXT}: a quick look at a model, streamed token by token. */
@Command(name = "generate", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Generate text from a checkpoint with a KV cache (greedy, or sampling with --temperature).")
final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "An HF-layout checkpoint directory.")
    Path checkpoint;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The prompt (a user message with --chat).")
    String prompt;

    @Option(names = "--chat", description = "Wrap the prompt in the ChatML template and stop at <|im_end|>.")
    boolean chat;

    @Option(names = "--max-new-tokens", defaultValue = "64", description = "Most tokens to generate.")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy; > 0 samples.")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Sample among the k most likely tokens (0 = all).")
    int topK;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus sampling mass (1 = all).")
    double topP;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed.")
    long seed;

    @Override
    public Integer call() throws Exception {
        try (Checkpoint ck = Checkpoint.open(checkpoint);
             LlamaModel model = LlamaModel.load(ck, Device.cpu())) {
            Tokenizer tok = ck.tokenizer();
            String text = chat ? ChatMl.render(List.of(new ChatMessage("user", prompt)), true) : prompt;
            int[] ids = tok.encode(text);
            List<Integer> stop = new ArrayList<>(model.config().eosTokenIds());
            tok.tokenId(ChatMl.END).ifPresent(stop::add);
            Sampling s = new Sampling(maxNewTokens, temperature, topK, topP, seed, stop);
            System.out.print(chat ? "" : prompt);
            long t0 = System.nanoTime();
            int[] all = new Generator(model).generate(ids, s, t -> System.out.print(tok.decode(new int[] {t}, true)));
            double sec = (System.nanoTime() - t0) / 1e9;
            System.out.println();
            System.err.printf(Locale.ROOT, "%d prompt + %d new tokens in %.2f s (%.1f tokens/s)%n", ids.length,
                    all.length - ids.length, sec, (all.length - ids.length) / sec);
        }
        return 0;
    }
}
