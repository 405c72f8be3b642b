package tech.openrtc.operator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.audit.Recorder;
import tech.openrtc.operator.disruption.BudgetWriter;
import tech.openrtc.operator.drain.LiveKitWebhooks;
import tech.openrtc.operator.history.HistoryKeeper;
import tech.openrtc.operator.history.RevisionHistory;
import tech.openrtc.operator.membership.CredentialManager;
import tech.openrtc.operator.membership.Membership;
import tech.openrtc.operator.membership.MembershipPublisher;
import tech.openrtc.operator.membership.SigningKeySet;
import tech.openrtc.operator.membership.SigningKeyStore;
import tech.openrtc.operator.metrics.OperatorMetrics;
import tech.openrtc.operator.pods.PodActions;
import tech.openrtc.operator.pods.PodFactory;
import tech.openrtc.operator.pods.PodState;
import tech.openrtc.operator.reconcile.Decision.AuditRecord;

/**
 * Act: carries out one {@link Decision}, in this order: spec (rollback) → history → status →
 * command annotations → membership (JWKS) → credentials → pods → Events, audit and metrics.
 * Status comes before any pod is touched: it is the recovery point (activeRevision is durable
 * before an old pod is marked). Membership comes before credentials so a new key is published
 * before anything it signs; credentials come before the pods that mount them.
 */
final class Actor {

  private static final Logger LOG = LoggerFactory.getLogger(Actor.class);
  /** After a failed pod create, look again within this long (quota, admission...). */
  static final Duration CREATE_RETRY = Duration.ofSeconds(10);
  /** After a conditional spec write met a newer resource, decide again this soon. */
  static final Duration CONFLICT_RETRY = Duration.ofSeconds(1);

  private final KubernetesClient client;
  /** Whether the API server has a pod (namespace, name): a read past the cache, after a 404 only. */
  private final BiPredicate<String, String> podExists;
  private final HistoryKeeper history;
  private final StatusWriter statusWriter;
  private final MembershipPublisher membership;
  private final CredentialManager credentials;
  private final SigningKeyStore signingKeys;
  private final PodActions pods;
  private final BudgetWriter budgets;
  private final Recorder recorder;
  private final OperatorMetrics metrics;
  private final LiveKitWebhooks webhooks;

  Actor(KubernetesClient client, StatusWriter statusWriter, SigningKeyStore signingKeys, Recorder recorder,
      OperatorMetrics metrics, LiveKitWebhooks webhooks, BiPredicate<String, String> podExists) {
    this.client = client;
    this.podExists = podExists;
    this.history = new HistoryKeeper(client);
    this.statusWriter = statusWriter;
    this.membership = new MembershipPublisher(client);
    this.credentials = new CredentialManager(client);
    this.signingKeys = signingKeys;
    this.pods = new PodActions(client);
    this.budgets = new BudgetWriter(client);
    this.recorder = recorder;
    this.metrics = metrics;
    this.webhooks = webhooks;
  }

  /** Carries out {@code d}; returns when to look again (null for never). */
  Duration act(Snapshot s, Decision d, DeploymentMemory memory, Context<AgentDeployment> context,
      InformerEventSource<Pod, AgentDeployment> podCache) {
    AgentDeployment resource = s.resource();
    if (d.specRewrite() != null) {
      return rewriteSpec(s, d, memory);
    }
    Duration requeue = d.requeue();
    d.leftovers().forEach(o -> removeLeftover(s, o));
    if (d.recordTarget()) {
      // Before the revision's first pod: the record is what recreates its pods later.
      history.record(resource, s.targetTemplate(), s.revisions());
    }
    d.prunes().forEach(cr -> history.delete(resource, cr));
    if (d.status() != null && statusWriter.write(resource, d.status(), memory, context)) {
      logInvalid(s, d);
    }
    history.clearAnnotations(resource, d.clearCommands().toArray(String[]::new));
    if (s.deleting() && !s.valid()) {
      LOG.warn("{}: deleted with an invalid spec; its pods are left to garbage collection", s.key());
    }
    if (d.membership() != null) {
      SigningKeySet keys = signingKeys.keys();
      Membership m = d.membership();
      membership.publish(resource, new Membership(m.activeVersion(), m.activeRevision(), m.draining(), keys.jwksJson()),
          s.membership());
      Optional<Instant> renewal = credentials.sync(resource, d.credentials(), s.credentialSecrets(),
          Duration.ofSeconds(s.spec().credentialTtlSeconds()), d.credentialAudience(), keys, s.now());
      if (renewal.isPresent()) {
        requeue = Decider.earlier(requeue, Duration.between(s.now(), renewal.get()).plusSeconds(1));
      }
    }
    if (d.budget() != null && d.budget().delete() != null) {
      budgets.delete(d.budget().delete());
    } else if (d.budget() != null) {
      budgets.write(d.budget().write(), s.budget() != null);
    }
    if (d.plan() != null) {
      webhooks.update(new LiveKitWebhooks.Subscription(s.namespace(), s.name(), s.liveKit().credentials(),
          s.spec().agentName(), d.awaitedPods()));
      if (!actOnPods(s, d, memory, podCache)) {
        requeue = afterCreateFailure(requeue);
      }
    }
    record(s, d, memory);
    return requeue;
  }

  /**
   * Deletes an object a predecessor of the same name left behind. The cache may be behind, so the
   * server's copy is read first: it is deleted only if it is still the predecessor's, and only at
   * the resourceVersion read (a precondition), never one this deployment has since created.
   */
  private void removeLeftover(Snapshot s, HasMetadata leftover) {
    HasMetadata current = client.resource(leftover).get();
    if (current != null && Predecessors.leftBehind(current, s.resource())) {
      LOG.info("{}: deleting {} {}, left by a deleted AgentDeployment of the same name", s.key(), current.getKind(),
          current.getMetadata().getName());
      client.resource(current).lockResourceVersion().delete();
    }
  }

  /**
   * After a failed create, look again within {@link #CREATE_RETRY}, or sooner when the decision
   * asked for sooner: a drained pod's delete or a deadline must not wait for the retry.
   */
  static Duration afterCreateFailure(Duration decided) {
    return Decider.earlier(decided, CREATE_RETRY);
  }

  /** Promotes, then drains, then deletes, then creates. Returns false when a create failed. */
  private boolean actOnPods(Snapshot s, Decision d, DeploymentMemory memory,
      InformerEventSource<Pod, AgentDeployment> podCache) {
    String ns = s.namespace();
    for (PodState pod : d.plan().promotes()) {
      // Before any old pod is marked: capacity first, in the order a kubelet will see them too.
      patch(s, memory, podCache, pod, () -> pods.promote(ns, pod, s.now()));
    }
    for (Plan.Drain drain : d.plan().drains()) {
      patch(s, memory, podCache, drain.pod(),
          () -> pods.markDraining(ns, drain.pod(), s.now(), s.spec().timeoutSeconds()));
    }
    for (Plan.Delete delete : d.plan().deletes()) {
      if (memory.deletedNow(delete.pod().name(), s.now())) {
        pods.delete(ns, delete.pod(), delete.gracePeriodSeconds());
      }
      if (delete.reason() != Plan.DeleteReason.SIGNAL) {
        // Read 0, exited, or counted at its deadline. A Signal delete is counted when the pod goes.
        memory.accounted(delete.pod().name());
      }
    }
    for (Decision.Creation creation : d.creates()) {
      for (int i = 0; i < creation.count(); i++) {
        Pod pod = PodFactory.build(s.resource(), creation.template(), creation.role(),
            s.spec().timeoutSeconds());
        try {
          Pod created = pods.create(pod);
          podCache.handleRecentResourceCreate(ResourceID.fromResource(created), created);
          memory.createFailure = null;
        } catch (KubernetesClientException e) {
          String why = "creating a pod of revision " + creation.template().revision() + " failed: " + e.getMessage();
          LOG.warn("{}: {}", s.key(), why);
          memory.createFailure = why;
          return false;
        }
      }
    }
    return true;
  }

  /** One pod patch; the next pass sees it even before the watch delivers it. */
  private void patch(Snapshot s, DeploymentMemory memory, InformerEventSource<Pod, AgentDeployment> podCache,
      PodState pod, Supplier<Pod> write) {
    patchUnlessGone(s.key(), pod.name(), memory.staleTerminating, write,
        () -> podExists.test(s.namespace(), pod.name()))
        .ifPresent(patched -> podCache.handleRecentResourceUpdate(ResourceID.fromResource(patched), patched,
            previous(s.namespace(), pod)));
  }

  /**
   * Carries out a pod patch. A 404 with the API server confirming on a GET that it has no such pod
   * means the cache missed the pod's deletion: the pod is left out from now on, instead of failing
   * every pass until the cache lets go of it. Returns the patched pod, empty when it is gone.
   */
  static Optional<Pod> patchUnlessGone(String key, String pod, StaleTerminatingPods stale, Supplier<Pod> write,
      BooleanSupplier exists) {
    try {
      return Optional.of(write.get());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404 || exists.getAsBoolean()) {
        throw e;
      }
      LOG.warn("{}: pod {} is in the cache but not on the API server (its deletion was missed): treating it as gone",
          key, pod);
      stale.foundGone(pod);
      return Optional.empty();
    }
  }

  private static Pod previous(String namespace, PodState pod) {
    return new PodBuilder().withNewMetadata().withNamespace(namespace).withName(pod.name())
        .withResourceVersion(pod.resourceVersion()).endMetadata().build();
  }

  /** The rollback write, conditional on the resource observed; on a newer one, decide again. */
  private Duration rewriteSpec(Snapshot s, Decision d, DeploymentMemory memory) {
    Decision.SpecRewrite rewrite = d.specRewrite();
    try {
      history.rollback(s.resource(), rewrite.to(), rewrite.removeAnnotations().toArray(String[]::new));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409 && e.getCode() != 422) {
        throw e;
      }
      LOG.info("{}: not rolled back: the AgentDeployment changed since it was read (HTTP {}); deciding again",
          s.key(), e.getCode());
      return CONFLICT_RETRY;
    }
    memory.rollbackReason = rewrite.reason();
    LOG.warn("{}: rolling back to revision {}: {}", s.key(), RevisionHistory.number(rewrite.to()), rewrite.reason());
    record(s, d, memory);
    return null;
  }

  /** Events, audit records and metrics: what happened in this pass, once it happened. */
  private void record(Snapshot s, Decision d, DeploymentMemory memory) {
    for (AuditRecord a : d.audits()) {
      recorder.record(s.resource(), a.event(), a.target(), a.result(), a.version(), a.revision(), a.warning(),
          a.message(), a.extra());
      if (Recorder.ROLLED_BACK.equals(a.event()) && "ok".equals(a.result())) {
        memory.rollbackReason = null;
      }
    }
    memory.unknownFieldsWarned = s.unknownFields();
    Decision.MetricChanges m = d.metrics();
    if (m.versions() != null) {
      metrics.versions(s.namespace(), s.name(), m.versions());
    }
    if (m.rolloutCompleted() != null) {
      metrics.rolloutCompleted(s.namespace(), s.name(), m.rolloutCompleted());
    }
    for (Decision.Drained drained : m.drained()) {
      metrics.podDrained(s.namespace(), s.name(), drained.reason(), drained.took());
      if (drained.callsCut() > 0) {
        metrics.callsCut(s.namespace(), s.name(), OperatorMetrics.CUT_AT_DEADLINE, drained.callsCut());
      }
    }
    for (LostCalls.LostPod lost : m.lost()) {
      metrics.callsCut(s.namespace(), s.name(), lost.reason(), lost.calls());
    }
  }

  private static void logInvalid(Snapshot s, Decision d) {
    boolean wasInvalid = s.previous().getConditions() != null && s.previous().getConditions().stream()
        .anyMatch(c -> Conditions.INVALID_SPEC.equals(c.getType()) && "True".equals(c.getStatus()));
    if (!s.valid() && !wasInvalid && d.status().getPhase() == Phase.Degraded) {
      LOG.warn("{}: {}", s.key(), d.status().getMessage());
    }
  }
}
