package tech.openrtc.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.openrtc.operator.drain.LiveKitWebhooks;

/**
 * {@code /livekit/webhook}. The HTTP server's two threads also answer {@code /healthz},
 * {@code /readyz} and {@code /metrics}, so they only hand each webhook over to threads of its own,
 * behind a short queue. Even the checks that need no body (Authorization, Content-Length) answer
 * there: the JDK server finishes any answer by draining the unread request body (up to 64 KiB),
 * which waits on a sender that holds its body back. Each webhook has {@link #DEADLINE} from its
 * arrival; a thread still at it then is interrupted, which closes the connection and ends a read
 * or drain blocked on a silent sender. Senders that trickle their bodies, or flood, can hold only
 * these threads, and each only that long. When threads and queue are full, a webhook whose body
 * is already here gets 503; one whose body is still coming has its connection closed.
 */
final class WebhookEndpoint implements HttpHandler, AutoCloseable {

  /** LiveKit's webhooks are a few KiB of JSON. */
  static final int MAX_BODY_BYTES = 64 * 1024;
  static final int THREADS = 2;
  /** Verifying takes about a millisecond, so a short queue absorbs a room's burst of events. */
  static final int QUEUE = 16;
  static final Duration DEADLINE = Duration.ofSeconds(10);

  private static final Logger LOG = LoggerFactory.getLogger(WebhookEndpoint.class);

  private final LiveKitWebhooks webhooks;
  private final BooleanSupplier leading;
  private final Duration deadline;
  private final ThreadPoolExecutor workers;
  private final ScheduledExecutorService deadlines;

  WebhookEndpoint(LiveKitWebhooks webhooks, BooleanSupplier leading) {
    this(webhooks, leading, DEADLINE);
  }

  WebhookEndpoint(LiveKitWebhooks webhooks, BooleanSupplier leading, Duration deadline) {
    this.webhooks = webhooks;
    this.leading = leading;
    this.deadline = deadline;
    this.workers = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(QUEUE), daemon("operator-webhook"));
    this.deadlines = Executors.newSingleThreadScheduledExecutor(daemon("operator-webhook-deadline"));
  }

  /** On the server's thread: only a hand-over, or a busy answer that cannot wait on the sender. */
  @Override
  public void handle(HttpExchange ex) throws IOException {
    long arrived = System.nanoTime();
    try {
      workers.execute(() -> withinDeadline(ex, arrived));
    } catch (RejectedExecutionException e) {
      webhooks.countBusy();
      if (bodyAlreadyHere(ex)) {
        answer(ex, 503);
      } else {
        ex.close(); // before any answer, this closes the connection without reading from it
      }
    }
  }

  /** A webhook thread runs one webhook, interrupted if it is still at it at the deadline. */
  private void withinDeadline(HttpExchange ex, long arrived) {
    long left = deadline.toNanos() - (System.nanoTime() - arrived);
    if (left <= 0) {
      webhooks.countRejection("waited in the queue past its deadline", remote(ex));
      ex.close();
      return;
    }
    Interrupter interrupter = new Interrupter();
    ScheduledFuture<?> timer = deadlines.schedule(interrupter, left, TimeUnit.NANOSECONDS);
    try {
      receive(ex);
    } catch (IOException | RuntimeException e) {
      LOG.debug("LiveKit webhook from {} not answered: {}", remote(ex), e.toString());
      ex.close();
    } finally {
      interrupter.finished();
      timer.cancel(false);
    }
  }

  private void receive(HttpExchange ex) throws IOException {
    if (!"POST".equals(ex.getRequestMethod())) {
      answer(ex, 405);
      return;
    }
    if (!leading.getAsBoolean()) {
      // Only the leader reconciles, so only it can act on a call's end. 503, not 401: nothing is
      // wrong with the webhook, and the next poll covers the drain it would have sped up.
      answer(ex, 503);
      return;
    }
    String remote = remote(ex);
    String authorization = ex.getRequestHeaders().getFirst("Authorization");
    if (authorization == null || authorization.isBlank()) {
      webhooks.countRejection("no Authorization header", remote);
      answer(ex, 401);
      return;
    }
    // The server has checked that a Content-Length is a number; a chunked body has none and is
    // capped while it is read.
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    if (length != null && Long.parseLong(length) > MAX_BODY_BYTES) {
      webhooks.countRejection("a body of " + length + " bytes, over " + MAX_BODY_BYTES, remote);
      answer(ex, 413);
      return;
    }
    byte[] body;
    try {
      body = readAtMost(ex.getRequestBody(), MAX_BODY_BYTES + 1);
    } catch (IOException e) {
      webhooks.countRejection("body not received: " + e, remote);
      ex.close();
      return;
    }
    if (body.length > MAX_BODY_BYTES) {
      webhooks.countRejection("a chunked body over " + MAX_BODY_BYTES + " bytes", remote);
      answer(ex, 413);
      return;
    }
    LiveKitWebhooks.Outcome outcome = webhooks.receive(new String(body, StandardCharsets.UTF_8), authorization, remote);
    AgentOperator.reply(ex, outcome.status(), outcome.message() + "\n");
  }

  /**
   * Up to {@code max} bytes. Not {@code readNBytes}: it may ask for 0 bytes once it has enough, and
   * the server's chunked stream then waits for the next chunk.
   */
  private static byte[] readAtMost(InputStream in, int max) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    int n;
    while (out.size() < max && (n = in.read(buffer, 0, Math.min(buffer.length, max - out.size()))) != -1) {
      out.write(buffer, 0, n);
    }
    return out.toByteArray();
  }

  /**
   * Whether the whole declared body is already in the server's buffer (a small webhook sent with
   * its headers), so that an answer, which drains it first, cannot wait on the sender.
   */
  private static boolean bodyAlreadyHere(HttpExchange ex) {
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    try {
      return length != null && ex.getRequestBody().available() >= Long.parseLong(length);
    } catch (IOException e) {
      return false;
    }
  }

  private static void answer(HttpExchange ex, int status) throws IOException {
    ex.sendResponseHeaders(status, -1);
  }

  private static String remote(HttpExchange ex) {
    return ex.getRemoteAddress().getAddress().getHostAddress();
  }

  /** Interrupts the thread that made it, when run, unless that thread has finished its webhook. */
  private static final class Interrupter implements Runnable {
    private final Thread thread = Thread.currentThread();
    private boolean running = true;

    @Override
    public synchronized void run() {
      if (running) {
        thread.interrupt();
      }
    }

    /** Called by the same thread; clears an interrupt that came too late to matter. */
    synchronized void finished() {
      running = false;
      Thread.interrupted();
    }
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void close() {
    deadlines.shutdownNow();
    workers.shutdownNow();
  }
}
