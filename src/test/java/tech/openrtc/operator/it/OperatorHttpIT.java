package tech.openrtc.operator.it;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tech.openrtc.operator.AgentOperator;
import tech.openrtc.operator.sim.SimCluster;

/** The operator's one HTTP port: health, readiness, the published verification keys, and webhooks. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperatorHttpIT {

  private SimCluster sim;
  private AgentOperator operator;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void start() {
    sim = SimCluster.start();
    operator = AgentOperator.start(sim.newClient("openrtc-operator"), Set.of(), 0, "openrtc-system", false);
  }

  @AfterAll
  void stop() {
    operator.close();
    sim.close();
  }

  @Test
  void servesHealthReadinessAndJwks() throws Exception {
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    assertThat(get("/readyz").statusCode()).isEqualTo(200);
    HttpResponse<String> jwks = get("/.well-known/jwks.json");
    assertThat(jwks.statusCode()).isEqualTo(200);
    String kid = operator.signingKeys().keys().current().kid();
    assertThat(jwks.body()).contains("\"keys\"").contains(kid).doesNotContain("\"d\"");
  }

  @Test
  void aWebhookWithoutAuthorizationIsTurnedAwayBeforeItsBodyArrives() throws Exception {
    long rejected = operator.webhooks().rejected();
    // The body is announced and never sent: the answer must not wait for it.
    try (Socket noHeader = webhookHead("Content-Length: 1000\r\n", "");
        Socket blank = webhookHead("Authorization:  \r\nContent-Length: 1000\r\n", "")) {
      assertThat(statusLine(noHeader)).startsWith("HTTP/1.1 401");
      assertThat(statusLine(blank)).startsWith("HTTP/1.1 401");
    }
    assertThat(operator.webhooks().rejected()).isEqualTo(rejected + 2);
  }

  @Test
  void aWebhookBodyOver64KiBIsRefused() throws Exception {
    long rejected = operator.webhooks().rejected();
    // A declared 10 MiB body is refused from its Content-Length, before any of it is sent.
    try (Socket declared = webhookHead("Authorization: x\r\nContent-Length: " + 10 * 1024 * 1024 + "\r\n", "")) {
      assertThat(statusLine(declared)).startsWith("HTTP/1.1 413");
    }
    // A chunked body has no length up front: it is read up to one byte over the cap. One chunk of
    // 64 KiB + 1 and no last chunk, so the refusal cannot come from reading it all.
    int size = 64 * 1024 + 1;
    String chunk = Integer.toHexString(size) + "\r\n" + "x".repeat(size) + "\r\n";
    try (Socket chunked = webhookHead("Authorization: x\r\nTransfer-Encoding: chunked\r\n", chunk)) {
      assertThat(statusLine(chunked)).startsWith("HTTP/1.1 413");
    }
    assertThat(operator.webhooks().rejected()).isEqualTo(rejected + 2);
  }

  @Test
  void webhookSendersThatTrickleTheirBodiesDelayNeitherHealthNorMetrics() throws Exception {
    long busy = operator.webhooks().busy();
    long rejected = operator.webhooks().rejected();
    List<Socket> stuck = new ArrayList<>();
    try {
      // More than the webhook threads and their queue: each sends one byte of a 1000-byte body.
      for (int i = 0; i < 24; i++) {
        stuck.add(webhookHead("Authorization: x\r\nContent-Length: 1000\r\n", "{"));
      }
      HttpClient quick = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
      for (String path : List.of("/healthz", "/readyz", "/metrics", "/healthz")) {
        HttpResponse<String> answer = quick.send(HttpRequest.newBuilder(url(path)).timeout(Duration.ofSeconds(1))
            .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(path).isEqualTo(200);
      }
      await().atMost(Duration.ofSeconds(2)).until(() -> operator.webhooks().busy() > busy);
      // While the webhook threads and queue are full, a whole webhook is told so at once.
      try (Socket whole = webhookHead("Authorization: x\r\nContent-Length: 2\r\n", "{}")) {
        assertThat(statusLine(whole)).startsWith("HTTP/1.1 503");
      }
    } finally {
      for (Socket s : stuck) {
        s.close();
      }
    }
    // Each one is accounted for: told busy, or rejected once its sender went away.
    await().atMost(Duration.ofSeconds(5)).until(() -> operator.webhooks().busy() - busy
        + operator.webhooks().rejected() - rejected == stuck.size() + 1);
  }

  private URI url(String path) {
    return URI.create("http://127.0.0.1:" + operator.httpPort() + path);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(url(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Sends a webhook request's head and {@code bodyStart}, and leaves the connection open. */
  private Socket webhookHead(String headers, String bodyStart) throws IOException {
    Socket s = new Socket("127.0.0.1", operator.httpPort());
    s.setSoTimeout(3000);
    OutputStream out = s.getOutputStream();
    out.write(("POST /livekit/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n" + bodyStart)
        .getBytes(US_ASCII));
    out.flush();
    return s;
  }

  private static String statusLine(Socket s) throws IOException {
    return new BufferedReader(new InputStreamReader(s.getInputStream(), US_ASCII)).readLine();
  }
}
