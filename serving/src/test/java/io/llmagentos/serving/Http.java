package io.llmagentos.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A small real HTTP client (java.net.http) for the server tests. */
public final class Http {
    public static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final URI base;
    private final String key;

    public Http(URI base, String key) {
        this.base = base;
        this.key = key;
    }

    public record Response(int status, String body, HttpResponse<String> raw) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (status " + status + "): " + body, e);
            }
        }

        /** The {@code Server-Timing} header's entries (name to ms, in order); empty when there is none. */
        public java.util.Map<String, Double> serverTiming() {
            java.util.Map<String, Double> out = new java.util.LinkedHashMap<>();
            for (String entry : raw.headers().firstValue("Server-Timing").orElse("").split(",")) {
                String[] parts = entry.trim().split(";dur=");
                if (parts.length == 2) {
                    out.put(parts[0], Double.parseDouble(parts[1]));
                }
            }
            return out;
        }

        /** The {@code data:} payloads of an SSE body, in order. */
        public List<String> events() {
            List<String> out = new ArrayList<>();
            for (String block : body.split("\n\n")) {
                if (block.startsWith("data: ")) {
                    out.add(block.substring(6));
                }
            }
            return out;
        }
    }

    public Response get(String path) throws IOException, InterruptedException {
        return send(request(path).GET().build());
    }

    public Response post(String path, String body) throws IOException, InterruptedException {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public Response post(String path, JsonNode body) throws IOException, InterruptedException {
        return post(path, JSON.writeValueAsString(body));
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(120));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return b;
    }

    private Response send(HttpRequest r) throws IOException, InterruptedException {
        HttpResponse<String> resp = client.send(r, HttpResponse.BodyHandlers.ofString());
        return new Response(resp.statusCode(), resp.body(), resp);
    }
}
