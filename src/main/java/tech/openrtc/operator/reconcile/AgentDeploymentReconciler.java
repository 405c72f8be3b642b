package tech.openrtc.operator.reconcile;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.AgentDeploymentStatus;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.audit.Recorder;
import tech.openrtc.operator.drain.InFlight;
import tech.openrtc.operator.drain.InFlightProber;
import tech.openrtc.operator.drain.LiveKitAccess;
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
import tech.openrtc.operator.pods.PodFactory.RevisionTemplate;
import tech.openrtc.operator.pods.PodState;

/**
 * Wires the pure steps to the cluster: observe (informer caches, in-flight probes), validate,
 * decide ({@link RolloutPlanner}), record status, then act. Status is written before pods are
 * touched, so an operator killed mid-step leaves a status a fresh one can finish from.
 */
@ControllerConfiguration(
    name = AgentDeploymentReconciler.NAME,
    // Annotations on the AgentDeployment (commands such as promote) are events too.
    generationAwareEventProcessing = false,
    // A deleted AgentDeployment drains its pods first: without it, garbage collection would
    // delete them at once and cut every call they hold.
    finalizerName = Names.FINALIZER,
    maxReconciliationInterval = @MaxReconciliationInterval(interval = 10, timeUnit = TimeUnit.MINUTES))
public class AgentDeploymentReconciler implements Reconciler<AgentDeployment>, Cleaner<AgentDeployment> {

  public static final String NAME = "agentdeployment";
  private static final Duration CREATE_RETRY = Duration.ofSeconds(10);
  /** How often a deployment whose LiveKit Secret is missing or unreadable looks again. */
  private static final Duration LIVEKIT_SECRET_RETRY = Duration.ofSeconds(30);
  private static final Duration SWEEP_INTERVAL = Duration.ofMinutes(1);
  private volatile Instant lastSweep;
  private static final Logger LOG = LoggerFactory.getLogger(AgentDeploymentReconciler.class);

  private final InFlightProber prober;
  private final Recorder recorder;
  private final PodActions podActions;
  private final StatusWriter statusWriter;
  private final HistoryKeeper history;
  private final SigningKeyStore signingKeys;
  private final CredentialManager credentials;
  private final MembershipPublisher membership;
  private final LiveKitSecrets liveKitSecrets;
  private final LiveKitWebhooks webhooks;
  /** Reconciles asked for by webhooks: a call ended, so a draining pod may be idle now. */
  private final SimpleInboundEventSource<AgentDeployment> webhookEvents = new SimpleInboundEventSource<>("livekit-webhooks");
  /** Per AgentDeployment uid: pods whose worker endpoint and LiveKit disagree (crossCheck). */
  private final Map<String, SourceDisagreements> disagreements = new ConcurrentHashMap<>();
  /** Per AgentDeployment uid: the last LiveKit credential problem logged, so it is logged once. */
  private final Map<String, String> liveKitProblems = new ConcurrentHashMap<>();
  /** Per AgentDeployment uid: why the operator itself rolled the spec back, for the audit record. */
  private final Map<String, String> rollbackReasons = new ConcurrentHashMap<>();
  private final Clock clock;
  private final OperatorMetrics metrics;
  private final Map<String, PendingPodOps> pending = new ConcurrentHashMap<>();
  /** Per AgentDeployment uid: the last count each pod reported, for calls cut at a deadline. */
  private final Map<String, Map<String, Integer>> lastKnownInFlight = new ConcurrentHashMap<>();
  /** Per AgentDeployment uid: why the last pod creation failed, until one succeeds. */
  private final Map<String, String> createFailures = new ConcurrentHashMap<>();

  public AgentDeploymentReconciler(KubernetesClient client, InFlightProber prober, Recorder recorder,
      SigningKeyStore signingKeys, Clock clock, OperatorMetrics metrics) {
    this.metrics = metrics;
    this.signingKeys = signingKeys;
    this.credentials = new CredentialManager(client);
    this.membership = new MembershipPublisher(client);
    this.liveKitSecrets = new LiveKitSecrets(client);
    this.prober = prober;
    this.recorder = recorder;
    this.podActions = new PodActions(client);
    this.statusWriter = new StatusWriter(client);
    this.history = new HistoryKeeper(client);
    this.clock = clock;
    this.webhooks = new LiveKitWebhooks(
        s -> {
          // A call ended: the re-probe must not read a scan of the server from before it.
          prober.liveKit().invalidate(s.credentials());
          webhookEvents.propagateEvent(new ResourceID(s.name(), s.namespace()));
        },
        this::auditHandledCall);
  }

  private void auditHandledCall(LiveKitWebhooks.Handled h) {
    recorder.audit(Recorder.CALL_HANDLED, h.room(), "observed", h.version(), null, Recorder.extra(
        "room", h.room(), "pod", h.pod(), "participant", h.participant(), "webhook", h.event(),
        "deployments", h.deployments().stream().map(d -> d.namespace() + "/" + d.name()).sorted().toList()));
  }

  @Override
  public List<EventSource<?, AgentDeployment>> prepareEventSources(EventSourceContext<AgentDeployment> context) {
    // Everything the operator owns maps to its AgentDeployment by label, not owner reference: a
    // pod someone recreated from an old manifest is still ours to drain, and a deleted credential
    // or membership ConfigMap brings a reconcile that restores it.
    return List.of(
        labelled(Pod.class, "pods", context),
        labelled(ControllerRevision.class, "controllerrevisions", context),
        labelled(Secret.class, "secrets", context),
        labelled(ConfigMap.class, "configmaps", context),
        webhookEvents);
  }

  private static <R extends io.fabric8.kubernetes.api.model.HasMetadata> EventSource<R, AgentDeployment> labelled(
      Class<R> kind, String name, EventSourceContext<AgentDeployment> context) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(kind, AgentDeployment.class)
            .withName(name)
            .withLabelSelector(Names.LABEL_DEPLOYMENT)
            .withSecondaryToPrimaryMapper(AgentDeploymentReconciler::byDeploymentLabel)
            .build(),
        context);
  }

  private static Set<ResourceID> byDeploymentLabel(io.fabric8.kubernetes.api.model.HasMetadata r) {
    String name = r.getMetadata().getLabels() == null ? null : r.getMetadata().getLabels().get(Names.LABEL_DEPLOYMENT);
    return name == null ? Set.of() : Set.of(new ResourceID(name, r.getMetadata().getNamespace()));
  }

  @Override
  public UpdateControl<AgentDeployment> reconcile(AgentDeployment cached, Context<AgentDeployment> context) {
    return run(cached, context, false).update();
  }

  /**
   * Drains every pod as a rollout would, then lets the AgentDeployment go. An invalid spec gives
   * no drain settings to follow: its pods are left to garbage collection, as before this finalizer.
   */
  @Override
  public DeleteControl cleanup(AgentDeployment cached, Context<AgentDeployment> context) {
    Pass pass = run(cached, context, true);
    if (pass.podsLeft() == 0) {
      LOG.info("{}: deleted; no pod left to drain", cached.key());
      return DeleteControl.defaultDelete();
    }
    Duration again = pass.update().getScheduleDelay().map(Duration::ofMillis).orElse(Duration.ofSeconds(5));
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(again.toMillis());
  }

  /** One pass: what to answer JOSDK, and how many pods are still there (for a delete). */
  private record Pass(UpdateControl<AgentDeployment> update, int podsLeft) {
    static Pass of(UpdateControl<AgentDeployment> update) {
      return new Pass(update, 0);
    }
  }

  private Pass run(AgentDeployment cached, Context<AgentDeployment> context, boolean deleting) {
    AgentDeployment resource = statusWriter.freshest(cached);
    Instant now = clock.instant();
    String uid = resource.getMetadata().getUid();
    AgentDeploymentStatus previous = Optional.ofNullable(resource.getStatus()).orElseGet(AgentDeploymentStatus::new);
    Set<ControllerRevision> revisions = context.getSecondaryResources(ControllerRevision.class);

    // `kubectl annotate agd/x agents.openrtc.tech/rollback-to=N`: works on an invalid spec too.
    String rollbackTo = annotation(resource, Names.ANNOTATION_ROLLBACK_TO);
    if (rollbackTo != null && !deleting) {
      return Pass.of(rollbackByAnnotation(resource, rollbackTo, revisions));
    }

    List<String> errors = SpecValidator.validate(resource.getSpec());
    if (!errors.isEmpty() && deleting) {
      LOG.warn("{}: deleted with an invalid spec; its pods are left to garbage collection", resource.key());
      return Pass.of(UpdateControl.noUpdate());
    }
    if (!errors.isEmpty()) {
      // Bad input changes nothing: no pod is touched.
      boolean wasInvalid = Conditions.find(previous.getConditions(), Conditions.INVALID_SPEC) != null
          && "True".equals(Conditions.find(previous.getConditions(), Conditions.INVALID_SPEC).getStatus());
      AgentDeploymentStatus status = StatusAggregator.invalid(resource, errors, now);
      if (statusWriter.writeIfChanged(resource, status) && !wasInvalid) {
        LOG.warn("{}: {}", resource.key(), status.getMessage());
      }
      return Pass.of(UpdateControl.noUpdate());
    }
    EffectiveSpec spec = SpecValidator.effective(resource.getSpec());
    String target = Revisions.hash(spec.version(), spec.template(), spec.agentName());

    PendingPodOps ops = pending.computeIfAbsent(uid, k -> new PendingPodOps());
    List<PodState> pods = ops.apply(context.getSecondaryResources(Pod.class), now).stream()
        .filter(p -> Objects.equals(p.getMetadata().getNamespace(), resource.getMetadata().getNamespace()))
        .map(PodState::of)
        .collect(Collectors.toList());
    Observation observed = Observation.of(target, previous.getActiveRevision(), pods);
    LiveKitAccess liveKit = liveKit(resource);
    Map<String, InFlight> readings = prober.probe(observed.toProbe(spec.replicas()), spec, liveKit);
    List<SourceDisagreements.Lasting> disagreeing = spec.inFlightSource() == InFlightSource.HTTP_AND_LIVEKIT
        ? disagreements.computeIfAbsent(uid, k -> new SourceDisagreements())
            .observe(readings, now, spec.poll().multipliedBy(2))
        : List.of();
    Map<String, Integer> lastKnown = lastKnownInFlight.computeIfAbsent(uid, k -> new ConcurrentHashMap<>());
    lastKnown.keySet().retainAll(pods.stream().map(PodState::name).collect(Collectors.toSet()));
    readings.forEach((pod, r) -> {
      if (r.known()) {
        lastKnown.put(pod, r.count());
      }
    });

    RevisionTemplate targetTemplate = new RevisionTemplate(target, spec.version(), spec.agentName(), spec.template());
    Optional<RevisionTemplate> activeTemplate = Objects.equals(observed.active(), target)
        ? Optional.of(targetTemplate)
        : RevisionHistory.find(revisions, observed.active()).flatMap(RevisionHistory::read);

    boolean promoteRequested = "true".equals(annotation(resource, Names.ANNOTATION_PROMOTE));
    String abort = annotation(resource, Names.ANNOTATION_ABORT);
    boolean aborted = target.equals(abort);
    if (abort != null && !aborted && !deleting) {
      // The spec changed since the abort: it no longer applies.
      history.clearAnnotations(resource, Names.ANNOTATION_ABORT);
    }

    Plan plan = RolloutPlanner.plan(new RolloutPlanner.Input(
        spec, observed, previous.getTargetRevision(), Times.parse(previous.getRolloutStartedAt()),
        readings, Map.copyOf(lastKnown), activeTemplate.isPresent(), promoteRequested, aborted, now, deleting));

    if (plan.progressDeadlineExceeded() && spec.autoRollback() && observed.rollingOut() && !deleting) {
      Optional<ControllerRevision> stable = RevisionHistory.find(revisions, previous.getStableRevision());
      if (stable.isPresent() && !target.equals(previous.getStableRevision())) {
        rollbackReasons.put(uid, "progress deadline exceeded (" + spec.progressDeadlineSeconds()
            + "s) rolling out version " + spec.version() + ": autoRollback");
        history.rollback(resource, stable.get());
        LOG.warn("{}: progress deadline exceeded; rolling back to revision {}", resource.key(),
            RevisionHistory.number(stable.get()));
        return Pass.of(UpdateControl.noUpdate());
      }
    }

    String activeVersion = activeVersion(plan.activeRevision(), target, spec, previous, observed, activeTemplate);
    java.util.function.Function<String, AgentDeploymentStatus> statusWith = failure -> StatusAggregator.withLiveKit(
        StatusAggregator.status(resource, spec, target, activeVersion, observed, plan, readings, failure, now),
        resource, spec, liveKit, disagreeing, now);
    AgentDeploymentStatus status = statusWith.apply(replicaFailure(observed, createFailures.get(uid)));

    boolean newTarget = !target.equals(previous.getTargetRevision());
    if (!deleting && (newTarget || RevisionHistory.find(revisions, target).isEmpty())) {
      // Before the revision's first pod: the record is what recreates its pods later.
      OptionalLong wasNumber = history.record(resource, targetTemplate, revisions);
      if (newTarget && wasNumber.isPresent()) {
        String why = rollbackReasons.remove(uid);
        recorder.record(resource, Recorder.ROLLED_BACK, resource.key(), "ok", spec.version(), target, false,
            "Rolling back to revision " + wasNumber.getAsLong() + " (version " + spec.version() + ")"
                + (why == null ? "" : ": " + why),
            Recorder.extra("toRevisionNumber", wasNumber.getAsLong(), "reason", why == null ? "spec" : why));
      }
    }
    // Pruning is decided from the cache on every pass: nothing to prune means no write.
    Set<String> keep = new HashSet<>();
    keep.add(target);
    keep.add(plan.activeRevision());
    pods.forEach(p -> keep.add(p.revision()));
    if (!deleting) {
      history.prune(resource, revisions, keep, spec.revisionHistoryLimit());
    }
    // The recovery point: activeRevision is durable before any old pod is drained.
    statusWriter.writeIfChanged(resource, status);

    // Credentials exist before the pods that mount them; membership flips in the promoting pass.
    // (Being deleted, nothing new is published: the draining pods keep what they have.)
    Optional<Instant> renewal = deleting ? Optional.empty()
        : syncMembership(resource, context, spec, target, activeVersion, observed, plan, now);

    recordTransitions(resource, previous, status, plan, spec, target, observed, now);
    metrics.versions(resource.getMetadata().getNamespace(), resource.getMetadata().getName(), status.getVersions());
    forgetDeletedDeployments(context, now);
    recordDisagreements(resource, disagreeing, pods);
    webhooks.update(new LiveKitWebhooks.Subscription(resource.getMetadata().getNamespace(),
        resource.getMetadata().getName(), liveKit.credentials(), spec.agentName(),
        // Only a deployment with pods to delete has a reason to look again when a call ends.
        Stream.of(observed.drainingPods(), observed.terminatingPods(), plan.drains().stream().map(Plan.Drain::pod).toList())
            .flatMap(List::stream).map(PodState::name).collect(Collectors.toSet())));
    act(resource, spec, plan, ops, targetTemplate, activeTemplate.orElse(null), now);
    if (promoteRequested && (plan.promoted() || !observed.rollingOut()) && !deleting) {
      history.clearAnnotations(resource, Names.ANNOTATION_PROMOTE);
    }

    String createFailure = createFailures.get(uid);
    if (createFailure != null && !plan.creates().isEmpty()) {
      // Report it now (quota, admission, ...) and try again soon.
      statusWriter.writeIfChanged(resource, statusWith.apply(replicaFailure(observed, createFailure)));
      return Pass.of(UpdateControl.<AgentDeployment>noUpdate().rescheduleAfter(CREATE_RETRY));
    }
    Duration requeue = plan.requeueAfter();
    if (resource.getSpec().getLivekit() != null && !liveKit.available()) {
      // Secrets are not watched (that would cache every Secret in the cluster): look again soon.
      requeue = requeue == null || LIVEKIT_SECRET_RETRY.compareTo(requeue) < 0 ? LIVEKIT_SECRET_RETRY : requeue;
    }
    if (renewal.isPresent()) {
      Duration untilRenewal = Duration.between(now, renewal.get()).plusSeconds(1);
      requeue = requeue == null || untilRenewal.compareTo(requeue) < 0 ? untilRenewal : requeue;
    }
    Set<String> deletedNow = plan.deletes().stream().map(d -> d.pod().name()).collect(Collectors.toSet());
    int podsLeft = (int) pods.stream().filter(p -> !p.terminating() && !deletedNow.contains(p.name())).count();
    return new Pass(requeue == null ? UpdateControl.noUpdate()
        : UpdateControl.<AgentDeployment>noUpdate().rescheduleAfter(requeue), podsLeft);
  }

  /**
   * Drops what is kept in memory per AgentDeployment (gauges, pending writes, last readings, webhook
   * subscriptions) for deployments that no longer exist. At most once a minute: a deleted
   * deployment's leftovers are small and harmless for that long.
   */
  private void forgetDeletedDeployments(Context<AgentDeployment> context, Instant now) {
    Instant last = lastSweep;
    if (last != null && now.isBefore(last.plus(SWEEP_INTERVAL))) {
      return;
    }
    lastSweep = now;
    Set<String> uids = new HashSet<>();
    Set<String> keys = new HashSet<>();
    context.getPrimaryCache().list().forEach(d -> {
      uids.add(d.getMetadata().getUid());
      keys.add(d.getMetadata().getNamespace() + "/" + d.getMetadata().getName());
    });
    for (Map<String, ?> perUid : List.of(pending, lastKnownInFlight, createFailures, disagreements, liveKitProblems,
        rollbackReasons)) {
      perUid.keySet().retainAll(uids);
    }
    metrics.retainDeployments(keys);
    webhooks.retain(keys);
    statusWriter.retain(uids);
  }

  /** A Warning event and audit record the first time a disagreement outlasts two polls. */
  private void recordDisagreements(AgentDeployment resource, List<SourceDisagreements.Lasting> disagreeing,
      List<PodState> pods) {
    for (SourceDisagreements.Lasting d : disagreeing) {
      if (!d.firstReport()) {
        continue;
      }
      PodState pod = pods.stream().filter(p -> p.name().equals(d.pod())).findFirst().orElse(null);
      recorder.record(resource, Recorder.SOURCES_DISAGREE, resource.getMetadata().getNamespace() + "/" + d.pod(),
          "kept", pod == null ? null : pod.version(), pod == null ? null : pod.revision(), true,
          "In-flight sources disagree on pod " + d.pod() + " since " + Times.format(d.since()) + ": " + d.detail()
              + "; the pod is kept until both read 0 or its drain deadline",
          Recorder.extra("pod", d.pod(), "detail", d.detail()));
    }
  }

  /** spec.livekit resolved from its Secret; a problem is logged once per change (never a value). */
  private LiveKitAccess liveKit(AgentDeployment resource) {
    LiveKitAccess access = liveKitSecrets.resolve(resource);
    String uid = resource.getMetadata().getUid();
    if (resource.getSpec().getLivekit() != null && !access.available()) {
      if (!access.unavailable().equals(liveKitProblems.put(uid, access.unavailable()))) {
        LOG.warn("{}: LiveKit unavailable: {}", resource.key(), access.unavailable());
      }
    } else {
      liveKitProblems.remove(uid);
    }
    return access;
  }

  /** Credentials for every live revision, and the membership ConfigMap. Writes only what changed. */
  private Optional<Instant> syncMembership(AgentDeployment resource, Context<AgentDeployment> context, EffectiveSpec spec,
      String target, String activeVersion, Observation observed, Plan plan, Instant now) {
    SigningKeySet keys = signingKeys.keys();
    Map<String, String> live = new TreeMap<>();
    live.put(target, spec.version());
    if (plan.activeRevision() != null && activeVersion != null) {
      live.put(plan.activeRevision(), activeVersion);
    }
    observed.all().forEach(p -> {
      if (p.revision() != null && p.version() != null) {
        live.putIfAbsent(p.revision(), p.version());
      }
    });
    String audience = spec.agentName() != null ? spec.agentName() : resource.getMetadata().getName();
    Optional<Instant> renewal = credentials.sync(resource, live, context.getSecondaryResources(Secret.class),
        Duration.ofSeconds(spec.credentialTtlSeconds()), audience, keys, now);

    Set<Membership.Member> draining = new TreeSet<>(
        Comparator.comparing(Membership.Member::revision));
    Set<PodState> drainingPods = new HashSet<>(observed.drainingPods());
    drainingPods.addAll(observed.terminatingPods());
    plan.drains().forEach(d -> drainingPods.add(d.pod()));
    drainingPods.stream().filter(p -> p.revision() != null && !p.revision().equals(plan.activeRevision()))
        .forEach(p -> draining.add(new Membership.Member(p.version(), p.revision())));
    ConfigMap current = context.getSecondaryResources(ConfigMap.class).stream()
        .filter(cm -> cm.getMetadata().getName().equals(Membership.configMapName(resource.getMetadata().getName())))
        .findFirst().orElse(null);
    membership.publish(resource, new Membership(activeVersion, plan.activeRevision(), List.copyOf(draining),
        keys.jwksJson()), current);
    return renewal;
  }

  private void act(AgentDeployment resource, EffectiveSpec spec, Plan plan, PendingPodOps ops,
      RevisionTemplate targetTemplate, RevisionTemplate activeTemplate, Instant now) {
    for (Plan.Drain drain : plan.drains()) {
      Pod patched = podActions.markDraining(drain.pod(), now, spec.timeoutSeconds());
      ops.patched(patched, now);
      boolean foreign = !Objects.equals(drain.pod().controllerUid(), resource.getMetadata().getUid());
      if (!drain.pod().draining() && foreign) {
        // Not created by this operator (e.g. recreated by hand from an old manifest): a worker
        // that would take calls outside the membership.
        recorder.record(resource, Recorder.WORKER_REJECTED, podTarget(resource, drain.pod()), "drained",
            drain.pod().version(), drain.pod().revision(), true,
            "Pod " + drain.pod().name() + " of version " + drain.pod().version()
                + " is not a member of this deployment (not created by the operator, revision not active): draining it",
            Recorder.extra("pod", drain.pod().name()));
      } else if (!drain.pod().draining()) {
        recorder.record(resource, Recorder.DRAIN_STARTED, podTarget(resource, drain.pod()), "ok",
            drain.pod().version(), drain.pod().revision(), false,
            "Draining pod " + drain.pod().name() + " (" + drain.reason() + ", trigger " + spec.trigger() + ")",
            Recorder.extra("pod", drain.pod().name(), "reason", drain.reason()));
      }
    }
    Set<String> deleted = new HashSet<>();
    for (Plan.Delete delete : plan.deletes()) {
      if (!deleted.add(delete.pod().name())) {
        continue;
      }
      podActions.delete(delete.pod(), delete.gracePeriodSeconds());
      ops.deleted(delete.pod().name(), now);
      recordDelete(resource, delete, now);
    }
    for (Plan.Create create : plan.creates()) {
      RevisionTemplate rt = create.revision().equals(targetTemplate.revision()) ? targetTemplate : activeTemplate;
      if (rt == null) {
        continue;
      }
      for (int i = 0; i < create.count(); i++) {
        Pod pod = PodFactory.build(resource, rt, spec.trigger(), spec.timeoutSeconds());
        try {
          ops.created(podActions.create(pod), now);
          createFailures.remove(resource.getMetadata().getUid());
        } catch (KubernetesClientException e) {
          String why = "creating a pod of revision " + rt.revision() + " failed: " + e.getMessage();
          LOG.warn("{}: {}", resource.key(), why);
          createFailures.put(resource.getMetadata().getUid(), why);
          return;
        }
      }
    }
  }

  private static String replicaFailure(Observation observed, String createFailure) {
    List<String> problems = new ArrayList<>();
    if (createFailure != null) {
      problems.add(createFailure);
    }
    if (!observed.exitedPods().isEmpty()) {
      problems.add(observed.exitedPods().size() + " worker pod(s) exited: "
          + observed.exitedPods().stream().map(PodState::name).sorted().collect(Collectors.joining(", ")));
    }
    return problems.isEmpty() ? null : String.join("; ", problems);
  }

  private void recordDelete(AgentDeployment resource, Plan.Delete delete, Instant now) {
    PodState pod = delete.pod();
    String target = podTarget(resource, pod);
    String ns = resource.getMetadata().getNamespace();
    String name = resource.getMetadata().getName();
    Instant drainStarted = pod.drainStartedAt();
    // A Signal delete starts the drain (SIGTERM): there is no drain to time yet.
    boolean timed = drainStarted != null && delete.reason() != Plan.DeleteReason.SIGNAL;
    metrics.podDrained(ns, name, delete.reason().name().toLowerCase(),
        timed ? Duration.between(drainStarted, now) : null);
    if (delete.callsCut() > 0) {
      metrics.callsCut(ns, name, delete.callsCut());
    }
    switch (delete.reason()) {
      case DEADLINE -> {
        if (delete.callsCut() > 0) {
          recorder.record(resource, Recorder.CALLS_CUT, target, "cut", pod.version(), pod.revision(), true,
              "Drain deadline passed: deleted pod " + pod.name() + " with " + delete.callsCut()
                  + " call(s) in flight (last reading " + delete.reading() + ")",
              Recorder.extra("pod", pod.name(), "callsCut", delete.callsCut()));
        }
        recorder.record(resource, Recorder.POD_DRAINED, target, "deadline", pod.version(), pod.revision(),
            delete.callsCut() > 0, "Deleted pod " + pod.name() + " at its drain deadline",
            Recorder.extra("pod", pod.name(), "callsCut", delete.callsCut()));
      }
      case SIGNAL -> recorder.record(resource, Recorder.POD_DRAINED, target, "signaled", pod.version(),
          pod.revision(), false, "Deleted pod " + pod.name() + " with a grace period of "
              + delete.gracePeriodSeconds() + "s: SIGTERM starts its drain",
          Recorder.extra("pod", pod.name(), "gracePeriodSeconds", delete.gracePeriodSeconds()));
      case DRAINED, EXITED -> recorder.record(resource, Recorder.POD_DRAINED, target, "ok", pod.version(),
          pod.revision(), false, "Deleted pod " + pod.name() + (delete.reason() == Plan.DeleteReason.DRAINED
              ? ": 0 calls in flight" : ": its worker has exited"),
          Recorder.extra("pod", pod.name(), "reason", delete.reason().name().toLowerCase()));
    }
  }

  private void recordTransitions(AgentDeployment resource, AgentDeploymentStatus previous, AgentDeploymentStatus status,
      Plan plan, EffectiveSpec spec, String target, Observation observed, Instant now) {
    if (!target.equals(previous.getTargetRevision())) {
      recorder.record(resource, Recorder.STARTED, resource.key(), "ok", spec.version(), target, false,
          "Rollout of version " + spec.version() + " (revision " + target + ") started"
              + (previous.getActiveVersion() != null ? "; active is " + previous.getActiveVersion() : ""),
          Recorder.extra("from", previous.getActiveVersion()));
    }
    if (plan.promoted()) {
      recorder.record(resource, Recorder.PROMOTED, resource.key(), "ok", spec.version(), target, false,
          "Version " + spec.version() + " (revision " + target + ") promoted; "
              + observed.activePods().size() + " old pod(s) draining",
          Recorder.extra("from", observed.active()));
    }
    if (status.getPhase() == Phase.Healthy && previous.getPhase() != Phase.Healthy) {
      Instant started = Times.parse(previous.getRolloutStartedAt());
      if (started != null && previous.getPhase() != null) {
        metrics.rolloutCompleted(resource.getMetadata().getNamespace(), resource.getMetadata().getName(),
            Duration.between(started, now));
      }
      recorder.record(resource, Recorder.COMPLETED, resource.key(), "ok", status.getActiveVersion(),
          status.getActiveRevision(), false, "Rollout complete: " + status.getMessage(), null);
    }
  }

  /** Writes the chosen revision back into the spec and clears the command, or rejects it. */
  private UpdateControl<AgentDeployment> rollbackByAnnotation(AgentDeployment resource, String value,
      Set<ControllerRevision> revisions) {
    Optional<ControllerRevision> to = Optional.empty();
    try {
      to = RevisionHistory.byNumber(revisions, Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      // reported below
    }
    if (to.isEmpty()) {
      history.clearAnnotations(resource, Names.ANNOTATION_ROLLBACK_TO);
      recorder.record(resource, Recorder.ROLLED_BACK, resource.key(), "rejected", null, null, true,
          "Cannot roll back to revision \"" + value + "\": no such revision (see `kubectl agents rollout history`)",
          Recorder.extra("requested", value));
      return UpdateControl.noUpdate();
    }
    rollbackReasons.put(resource.getMetadata().getUid(), "requested by annotation " + Names.ANNOTATION_ROLLBACK_TO + "=" + value);
    try {
      history.rollback(resource, to.get(), Names.ANNOTATION_ROLLBACK_TO);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 422) {
        throw e;
      }
      // The annotation is already gone: this view predates the rollback we wrote.
    }
    return UpdateControl.noUpdate();
  }

  private static String annotation(AgentDeployment resource, String key) {
    return resource.getMetadata().getAnnotations() == null ? null : resource.getMetadata().getAnnotations().get(key);
  }

  private static String activeVersion(String activeRevision, String target, EffectiveSpec spec,
      AgentDeploymentStatus previous, Observation observed, Optional<RevisionTemplate> activeTemplate) {
    if (Objects.equals(activeRevision, target)) {
      return spec.version();
    }
    if (Objects.equals(activeRevision, previous.getActiveRevision()) && previous.getActiveVersion() != null) {
      return previous.getActiveVersion();
    }
    return activeTemplate.map(RevisionTemplate::version)
        .or(() -> observed.activePods().stream().map(PodState::version).filter(Objects::nonNull).findFirst())
        .orElse(null);
  }

  private static String podTarget(AgentDeployment resource, PodState pod) {
    return resource.getMetadata().getNamespace() + "/" + pod.name();
  }

  public InFlightProber prober() {
    return prober;
  }

  public LiveKitWebhooks webhooks() {
    return webhooks;
  }
}
