package io.llmagentos.serving.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.tokenizer.ChatMessage;
import io.llmagentos.core.tokenizer.ChatMl;
import io.llmagentos.serving.Http;
import io.llmagentos.serving.ServerConfig;
import io.llmagentos.serving.ServingServer;
import io.llmagentos.serving.TestModels;
import io.llmagentos.serving.engine.EngineConfig;
import io.llmagentos.serving.engine.GenerationRequest;
import io.llmagentos.serving.engine.SamplingParams;
import io.llmagentos.serving.models.ServedModel;
import io.llmagentos.testsupport.Python;
import io.llmagentos.testsupport.RepoPaths;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The official {@code openai} Python client (scripts/requirements-test.txt), unchanged, against the server. */
class OpenAiClientTest {
    @Test
    void theOfficialClientDoesChatStreamedChatAndCompletions() throws Exception {
        Python py = Python.require("openai");
        ServerConfig cfg = ServerConfig.defaults().withApiKeys(List.of("sk-client")).withModelName("agentos-tiny")
                .withEngine(new EngineConfig(4, 8, 2));
        try (ServingServer server = ServingServer.start(TestModels.exported(11), cfg)) {
            String out = py.runScript(RepoPaths.root().resolve("serving/src/test/python/openai_client_check.py"),
                    server.baseUri().toString(), "sk-client", "agentos-tiny");
            JsonNode r = Http.JSON.readTree(out);
            ServedModel m = server.currentModel();
            List<ChatMessage> chat = List.of(new ChatMessage("system", "You are a field-service assistant."),
                    new ChatMessage("user", "How do I replace the hydraulic filter?"));
            Set<Integer> stop = new HashSet<>(m.eosIds());
            stop.add(m.chatEndId());
            String expectedChat = m.engine().generate(new GenerationRequest(m.tokenizer().encode(ChatMl.render(chat, true)),
                    SamplingParams.greedy(24), stop)).text();
            String expectedCompletion = m.engine().generate(new GenerationRequest(m.tokenizer().encode("The pump"),
                    SamplingParams.greedy(12), stop)).text();

            assertThat(r.get("models")).extracting(JsonNode::asText).containsExactly("agentos-tiny");
            assertThat(r.at("/chat/content").asText()).isEqualTo(expectedChat).isNotEmpty();
            assertThat(r.at("/chat/role").asText()).isEqualTo("assistant");
            assertThat(r.at("/chat/usage/total_tokens").asInt()).isEqualTo(r.at("/chat/usage/prompt_tokens").asInt()
                    + r.at("/chat/usage/completion_tokens").asInt());
            assertThat(r.at("/stream/content").asText()).isEqualTo(expectedChat);
            assertThat(r.at("/stream/chunks").asInt()).isGreaterThan(2);
            assertThat(r.at("/stream/finish_reason").asText()).isEqualTo(r.at("/chat/finish_reason").asText());
            assertThat(r.at("/stream/usage/completion_tokens").asInt())
                    .isEqualTo(r.at("/chat/usage/completion_tokens").asInt());
            assertThat(r.at("/completion/text").asText()).isEqualTo(expectedCompletion);
            assertThat(r.at("/completion/usage/completion_tokens").asInt()).isBetween(1, 12);
            assertThat(r.at("/unknown_model_error/status").asInt()).isEqualTo(404);
            assertThat(r.at("/unknown_model_error/code").asText()).isEqualTo("model_not_found");
            assertThat(r.at("/bad_temperature_error/status").asInt()).isEqualTo(400);
            assertThat(r.at("/bad_temperature_error/param").asText()).isEqualTo("temperature");
        }
    }
}
