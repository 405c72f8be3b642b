package tech.openrtc.operator;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.drain.LiveKitWebhooks;

/** The webhook endpoint's read deadline: a sender that never finishes its body loses its connection. */
class WebhookEndpointTest {

  private final LiveKitWebhooks webhooks = new LiveKitWebhooks(s -> { }, h -> { });
  private final WebhookEndpoint endpoint = new WebhookEndpoint(webhooks, () -> true, Duration.ofMillis(500));
  private HttpServer server;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(2));
    server.createContext("/livekit/webhook", endpoint);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    endpoint.close();
  }

  @Test
  void slowSendersAreCutAtTheDeadlineAndTheThreadsServeTheNextWebhook() throws Exception {
    // As many trickling senders as webhook threads: each sends 1 byte of a 1000-byte body.
    try (Socket slow1 = post("Content-Length: 1000\r\n", "{"); Socket slow2 = post("Content-Length: 1000\r\n", "{")) {
      long start = System.nanoTime();
      assertThat(slow1.getInputStream().read()).as("connection closed, no answer").isEqualTo(-1);
      assertThat(slow2.getInputStream().read()).isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> webhooks.rejected() == 2);

    // The threads are free again: a whole webhook is read and judged (an unsigned one: 401).
    try (Socket whole = post("Content-Length: 2\r\n", "{}")) {
      String status = new BufferedReader(new InputStreamReader(whole.getInputStream(), US_ASCII)).readLine();
      assertThat(status).startsWith("HTTP/1.1 401");
    }
    assertThat(webhooks.rejected()).isEqualTo(3);
  }

  private Socket post(String headers, String bodyStart) throws IOException {
    Socket s = new Socket("127.0.0.1", server.getAddress().getPort());
    s.setSoTimeout(3000);
    s.getOutputStream().write(("POST /livekit/webhook HTTP/1.1\r\nHost: x\r\nAuthorization: x\r\n" + headers + "\r\n"
        + bodyStart).getBytes(US_ASCII));
    s.getOutputStream().flush();
    return s;
  }
}
