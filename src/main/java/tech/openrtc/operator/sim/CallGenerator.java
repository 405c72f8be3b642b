package tech.openrtc.operator.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Places calls for one AgentDeployment the way LiveKit dispatch does: each call goes to an
 * accepting worker of that deployment (Ready, not draining, not terminating), the least loaded
 * one, ties broken at random. Arrivals are Poisson at the profile's rate, driven by the sim's
 * shared timer (no thread of its own). A call that finds no accepting worker is rejected.
 */
public final class CallGenerator {

  private final SimRuntime rt;
  private final SimKubelet kubelet;
  private final String namespace;
  private final String deployment;
  private final CallProfile profile;
  private final Random random;

  // guarded by "this"
  private double rate;
  private ScheduledFuture<?> nextArrival;
  /** Bumped by setRate/stop so an arrival already under way does not schedule a second chain. */
  private long chain;
  private boolean stopped;
  private long placed;
  private long rejected;

  CallGenerator(SimRuntime rt, SimKubelet kubelet, String namespace, String deployment, CallProfile profile) {
    this.rt = rt;
    this.kubelet = kubelet;
    this.namespace = namespace;
    this.deployment = deployment;
    this.profile = profile;
    // Mixed: java.util.Random from nearby seeds (0, 1, 2... or names' hash codes) starts out nearly
    // alike, and every generator's first arrivals would come together.
    this.random = new Random(new SplittableRandom(rt.options.seed() ^ profile.seed()).nextLong());
    this.rate = profile.callsPerSecond();
  }

  void start() {
    scheduleNextArrival();
  }

  public String namespace() {
    return namespace;
  }

  public String deployment() {
    return deployment;
  }

  public synchronized double rate() {
    return rate;
  }

  /** Calls this generator placed on a worker. */
  public synchronized long placed() {
    return placed;
  }

  /** Calls this generator could not place (no accepting worker). */
  public synchronized long rejected() {
    return rejected;
  }

  /** Changes the arrival rate (calls per second; 0 pauses arrivals). */
  public synchronized void setRate(double callsPerSecond) {
    if (callsPerSecond < 0) {
      throw new IllegalArgumentException("rate must be >= 0");
    }
    rate = callsPerSecond;
    chain++;
    if (nextArrival != null) {
      nextArrival.cancel(false);
      nextArrival = null;
    }
    scheduleNextArrival();
  }

  /** Stops arrivals; calls already placed run to their end. */
  public synchronized void stop() {
    stopped = true;
    chain++;
    if (nextArrival != null) {
      nextArrival.cancel(false);
      nextArrival = null;
    }
  }

  /** Places one call now, of the given duration; empty if no worker accepted it. */
  public Optional<Call> placeCall(Duration duration) {
    List<SimWorker> candidates = new ArrayList<>();
    for (SimWorker w : kubelet.workers(namespace, deployment)) {
      if (w.accepting()) {
        candidates.add(w);
      }
    }
    // Shuffle, then a stable sort by load: least loaded first, ties in random order.
    Collections.shuffle(candidates, random);
    candidates.sort(Comparator.comparingInt(SimWorker::activeCalls));
    for (SimWorker w : candidates) {
      // A worker may stop accepting between the check and now (drain, SIGTERM): try the next one.
      Call call = rt.ledger.newCall(namespace, deployment, w.podName(), w.version(), duration);
      if (w.tryAccept(call)) {
        synchronized (this) {
          placed++;
        }
        return Optional.of(call);
      }
    }
    rt.ledger.reject(namespace, deployment);
    synchronized (this) {
      rejected++;
    }
    return Optional.empty();
  }

  private synchronized void scheduleNextArrival() {
    if (stopped || rate <= 0) {
      return;
    }
    // Poisson process: exponential gaps between arrivals.
    double gapSeconds = -Math.log(1 - random.nextDouble()) / rate;
    long myChain = chain;
    nextArrival = rt.scheduler.schedule(
        () -> arrive(myChain), (long) (gapSeconds * 1e9), TimeUnit.NANOSECONDS);
  }

  private void arrive(long myChain) {
    Duration duration;
    synchronized (this) {
      if (stopped || myChain != chain) {
        return;
      }
      duration = profile.sample(random);
    }
    placeCall(duration);
    synchronized (this) {
      if (myChain == chain) {
        scheduleNextArrival();
      }
    }
  }
}
