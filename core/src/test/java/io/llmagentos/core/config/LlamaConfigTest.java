package io.llmagentos.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.json.JsonFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaConfigTest {
    /** A real Llama-3.2-1B config.json (public values), with keys this record does not model. */
    static final String LLAMA_32_1B = """
            {
              "architectures": ["LlamaForCausalLM"],
              "attention_bias": false,
              "attention_dropout": 0.0,
              "bos_token_id": 128000,
              "eos_token_id": [128001, 128008, 128009],
              "head_dim": 64,
              "hidden_act": "silu",
              "hidden_size": 2048,
              "initializer_range": 0.02,
              "intermediate_size": 8192,
              "max_position_embeddings": 131072,
              "mlp_bias": false,
              "model_type": "llama",
              "num_attention_heads": 32,
              "num_hidden_layers": 16,
              "num_key_value_heads": 8,
              "pretraining_tp": 1,
              "rms_norm_eps": 1e-05,
              "rope_scaling": {
                "factor": 32.0,
                "high_freq_factor": 4.0,
                "low_freq_factor": 1.0,
                "original_max_position_embeddings": 8192,
                "rope_type": "llama3"
              },
              "rope_theta": 500000.0,
              "tie_word_embeddings": true,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.45.0.dev0",
              "use_cache": true,
              "vocab_size": 128256
            }
            """;

    @Test
    void loadsARealLlamaConfigWithReadableNames(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, LLAMA_32_1B);
        LlamaConfig c = LlamaConfig.load(f);
        assertThat(c.vocabSize()).isEqualTo(128256);
        assertThat(c.hiddenSize()).isEqualTo(2048);
        assertThat(c.numKeyValueHeads()).isEqualTo(8);
        assertThat(c.queryGroups()).isEqualTo(4);
        assertThat(c.headDim()).isEqualTo(64);
        assertThat(c.ropeTheta()).isEqualTo(500000.0);
        assertThat(c.ropeScaling().type()).isEqualTo("llama3");
        assertThat(c.ropeScaling().factor()).isEqualTo(32.0);
        assertThat(c.ropeScaling().param("original_max_position_embeddings")).isEqualTo(8192.0);
        assertThat(c.tieWordEmbeddings()).isTrue();
        assertThat(c.eosTokenIds()).containsExactly(128001, 128008, 128009);
        // Llama-3.2-1B has 1.236 B parameters with tied embeddings
        assertThat(c.parameterCount()).isEqualTo(1_235_814_400L);
        assertThat(c.expectedTensors()).hasSize(1 + 16 * 9 + 1).doesNotContainKey("lm_head.weight");
    }

    @Test
    void unknownKeysSurviveALoadSaveRoundTrip(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, LLAMA_32_1B);
        LlamaConfig c = LlamaConfig.load(f);
        Path g = dir.resolve("out/config.json");
        c.save(g);
        JsonNode before = JsonFields.MAPPER.readTree(f.toFile());
        JsonNode after = JsonFields.MAPPER.readTree(g.toFile());
        assertThat(after).isEqualTo(before);
        assertThat(LlamaConfig.load(g)).isEqualTo(c);
    }

    @Test
    void defaultsFollowHuggingFace(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, """
                {"vocab_size": 512, "hidden_size": 64, "intermediate_size": 176, "num_hidden_layers": 2,
                 "num_attention_heads": 4, "max_position_embeddings": 128}""");
        LlamaConfig c = LlamaConfig.load(f);
        assertThat(c.numKeyValueHeads()).isEqualTo(4);
        assertThat(c.headDim()).isEqualTo(16);
        assertThat(c.ropeTheta()).isEqualTo(10000.0);
        assertThat(c.rmsNormEps()).isEqualTo(1e-6);
        assertThat(c.tieWordEmbeddings()).isFalse();
        assertThat(c.ropeScaling()).isNull();
        assertThat(c.expectedTensors()).containsKey("lm_head.weight");
        assertThat(c.expectedTensors().get("model.layers.1.self_attn.k_proj.weight")).containsExactly(64, 64);
    }

    @Test
    void malformedValuesNameTheFileThePathAndTheExpectation(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("config.json");
        String base = """
                {"vocab_size": 512, "hidden_size": 64, "intermediate_size": 176, "num_hidden_layers": 2,
                 "num_attention_heads": 4, "max_position_embeddings": 128 %s}""";
        record Case(String extra, String path, String expectation) {
        }
        List<Case> cases = List.of(
                new Case(", \"rope_theta\": -1.0", "$.rope_theta", "rope_theta must be > 0 (got -1.0)"),
                new Case(", \"rope_theta\": \"big\"", "$.rope_theta", "expected a number (got string \"big\")"),
                new Case(", \"num_key_value_heads\": 3", "$.num_key_value_heads", "multiple of num_key_value_heads"),
                new Case(", \"eos_token_id\": [1, \"x\"]", "$.eos_token_id[1]", "expected an integer"),
                new Case(", \"bos_token_id\": 9999", "$.bos_token_id", "must be in [0, vocab_size=512)"),
                new Case(", \"rope_scaling\": {\"rope_type\": \"weird\", \"factor\": 2}", "$.rope_scaling", "must be one of"),
                new Case(", \"architectures\": [\"GPT2LMHeadModel\"]", "$.architectures[0]", "LlamaForCausalLM"),
                new Case(", \"tie_word_embeddings\": \"yes\"", "$.tie_word_embeddings", "expected true or false"));
        for (Case c : cases) {
            Files.writeString(f, base.formatted(c.extra()));
            assertThatThrownBy(() -> LlamaConfig.load(f))
                    .as(c.extra())
                    .isInstanceOf(JsonFormatException.class)
                    .hasMessageStartingWith(f + ": " + c.path() + ": ")
                    .hasMessageContaining(c.expectation());
        }
    }

    @Test
    void missingFieldAndBrokenJsonAreReportedWithLocation(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, "{\"vocab_size\": 512}");
        assertThatThrownBy(() -> LlamaConfig.load(f)).isInstanceOf(JsonFormatException.class)
                .hasMessage(f + ": $.hidden_size: required field is missing");
        Files.writeString(f, "{\"vocab_size\": 512,\n  \"hidden_size\": }");
        assertThatThrownBy(() -> LlamaConfig.load(f)).isInstanceOf(JsonFormatException.class)
                .hasMessageContaining(f + ": $: not valid JSON at line 2");
        Files.writeString(f, "[1, 2]");
        assertThatThrownBy(() -> LlamaConfig.load(f)).hasMessageContaining("expected a JSON object at the top level");
    }

    @Test
    void generationConfigRoundTripsAndValidates(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("generation_config.json");
        Files.writeString(f, """
                {"bos_token_id": 1, "eos_token_id": [2, 3], "do_sample": true, "temperature": 0.6,
                 "top_p": 0.9, "transformers_version": "4.45.0"}""");
        GenerationConfig g = GenerationConfig.load(f);
        assertThat(g.eosTokenIds()).containsExactly(2, 3);
        assertThat(g.doSample()).isTrue();
        assertThat(g.topP()).isEqualTo(0.9);
        assertThat(g.extra()).containsEntry("transformers_version", "4.45.0");
        Path out = dir.resolve("copy.json");
        g.save(out);
        assertThat(GenerationConfig.load(out)).isEqualTo(g);
        Files.writeString(f, "{\"top_p\": 1.5}");
        assertThatThrownBy(() -> GenerationConfig.load(f)).isInstanceOf(JsonFormatException.class)
                .hasMessageContaining("$.top_p: top_p must be in (0, 1] (got 1.5)");
    }
}
