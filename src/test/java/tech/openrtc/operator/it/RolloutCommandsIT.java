package tech.openrtc.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static tech.openrtc.operator.it.OperatorTestSupport.NS;
import static tech.openrtc.operator.it.OperatorTestSupport.deployment;
import static tech.openrtc.operator.it.OperatorTestSupport.version;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.api.Names;
import tech.openrtc.operator.api.Phase;
import tech.openrtc.operator.history.RevisionHistory;
import tech.openrtc.operator.sim.CallGenerator;
import tech.openrtc.operator.sim.CallProfile;

/** History, undo and the rollout commands, through the CLI classes the kubectl plugin runs. */
class RolloutCommandsIT extends OperatorIT {

  CliRunner cli;

  @BeforeEach
  void startCli() throws Exception {
    cli = new CliRunner(t.sim);
  }

  private List<ControllerRevision> history(String name) {
    return RevisionHistory.ordered(t.user.apps().controllerRevisions().inNamespace(NS)
        .withLabel(Names.LABEL_DEPLOYMENT, name).list().getItems());
  }

  private void rollTo(String name, String version) {
    t.patchSpec(name, "{\"version\":\"" + version + "\"}");
    t.awaitHealthyAt(name, version, Duration.ofSeconds(20));
  }

  @Test
  void historyListsRevisionsAndPrunesButNeverOneWithPods() {
    AgentDeployment d = deployment("hist", "v1", 1);
    d.getSpec().setRevisionHistoryLimit(1);
    d.getMetadata().setAnnotations(java.util.Map.of(Names.ANNOTATION_CHANGE_CAUSE, "first release"));
    t.create(d);
    t.awaitHealthyAt("hist", "v1", Duration.ofSeconds(20));
    // A long call pins the v1 pod while v2, v3 and v4 roll out.
    CallGenerator calls = t.sim.calls(NS, "hist", CallProfile.manual());
    // (Long enough for v2's pods to go first: each drained pod waits the 3 s hand-over and 3 s settle.)
    assertThat(calls.placeCall(Duration.ofSeconds(15))).isPresent();
    for (String v : List.of("v2", "v3", "v4")) {
      t.setVersion("hist", v);
      await().atMost(Duration.ofSeconds(20)).until(() -> v.equals(t.get("hist").getStatus().getActiveVersion()));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> history("hist").size() == 3);
    // v1 still has its draining pod: kept. Of v2 and v3 only the newest fits the limit of 1.
    assertThat(history("hist")).extracting(cr -> RevisionHistory.read(cr).orElseThrow().version())
        .containsExactly("v1", "v3", "v4");

    CliRunner.Result list = cli.run("rollout", "history", "hist");
    assertThat(list.code()).isZero();
    assertThat(list.out()).contains("REVISION").contains("first release").contains("v4");
    assertThat(list.out().lines().filter(l -> l.matches("^\\d+ .*")).count()).isEqualTo(3);

    t.awaitHealthyAt("hist", "v4", Duration.ofSeconds(20));
    await().atMost(Duration.ofSeconds(10)).until(() -> history("hist").size() == 2);
    assertThat(history("hist")).extracting(cr -> RevisionHistory.read(cr).orElseThrow().version())
        .containsExactly("v3", "v4");

    CliRunner.Result one = cli.run("rollout", "history", "hist", "--revision=4");
    assertThat(one.code()).isZero();
    assertThat(one.out()).contains("version: \"v4\"").contains("template:");
    CliRunner.Result missing = cli.run("rollout", "history", "hist", "--revision=99");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("error: unable to find revision 99");
    t.assertNoCallCut();
  }

  @Test
  void undoToPreviousAndToANumberedRevisionIsAnOrdinaryRollout() {
    t.create(deployment("undo", "v1", 2));
    t.awaitHealthyAt("undo", "v1", Duration.ofSeconds(20));
    t.sim.calls(NS, "undo", CallProfile.uniform(4, Duration.ofMillis(300), Duration.ofSeconds(2)));
    rollTo("undo", "v2");

    CliRunner.Result undo = cli.run("rollout", "undo", "undo");
    assertThat(undo.code()).as(undo.err()).isZero();
    assertThat(undo.out()).contains("rolled back to revision 1 (version v1)");
    t.awaitHealthyAt("undo", "v1", Duration.ofSeconds(20));
    // The old revision's record is reused with a new, higher number, as Deployments do.
    assertThat(history("undo")).extracting(RevisionHistory::number, cr -> RevisionHistory.read(cr).orElseThrow().version())
        .containsExactly(org.assertj.core.groups.Tuple.tuple(2L, "v2"), org.assertj.core.groups.Tuple.tuple(3L, "v1"));

    CliRunner.Result toTwo = cli.run("rollout", "undo", "undo", "--to-revision=2");
    assertThat(toTwo.code()).isZero();
    t.awaitHealthyAt("undo", "v2", Duration.ofSeconds(20));
    assertThat(t.user.v1().events().inNamespace(NS).list().getItems())
        .filteredOn(e -> "deployment.rolled_back".equals(e.getReason())).hasSize(2);
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }

  @Test
  void undoWhileThePreviousRolloutIsStillDrainingNeverRevivesDrainingPods() {
    t.create(deployment("busy", "v1", 2));
    t.awaitHealthyAt("busy", "v1", Duration.ofSeconds(20));
    CallGenerator calls = t.sim.calls(NS, "busy", CallProfile.manual());
    calls.placeCall(Duration.ofSeconds(6));
    calls.placeCall(Duration.ofSeconds(6));
    Set<String> firstV1Pods = names(t.pods("busy"));

    t.setVersion("busy", "v2");
    t.awaitPhase("busy", Phase.Draining, Duration.ofSeconds(10));
    // The old pods are marked once the new ones have taken over (role=active seen): then undo.
    await().atMost(Duration.ofSeconds(10)).until(() -> t.pods("busy").stream()
        .filter(p -> firstV1Pods.contains(p.getMetadata().getName())).allMatch(OperatorTestSupport::draining));
    assertThat(cli.run("rollout", "undo", "busy").code()).isZero();

    t.awaitHealthyAt("busy", "v1", Duration.ofSeconds(30));
    List<Pod> now = t.pods("busy");
    assertThat(now).hasSize(2).allMatch(p -> version(p).equals("v1")).noneMatch(OperatorTestSupport::draining);
    assertThat(names(now)).doesNotContainAnyElementsOf(firstV1Pods);
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }

  @Test
  void undoToAnUnknownRevisionIsAnErrorAndChangesNothing() {
    t.create(deployment("nope", "v1", 1));
    t.awaitHealthyAt("nope", "v1", Duration.ofSeconds(20));
    long generation = t.get("nope").getMetadata().getGeneration();

    CliRunner.Result r = cli.run("rollout", "undo", "nope", "--to-revision=7");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("unable to find revision 7");
    CliRunner.Result none = cli.run("rollout", "undo", "nope");
    assertThat(none.code()).isEqualTo(1);
    assertThat(none.err()).contains("no previous revision");
    assertThat(t.get("nope").getMetadata().getGeneration()).isEqualTo(generation);

    CliRunner.Result missing = cli.run("rollout", "status", "ghost");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("agentdeployment \"ghost\" not found");
  }

  @Test
  void statusExitsZeroOnHealthyAndOneOnDegradedOrTimeout() {
    t.create(deployment("st", "v1", 1));
    CliRunner.Result healthy = cli.run("rollout", "status", "st", "--timeout=30s");
    assertThat(healthy.code()).as(healthy.err()).isZero();
    assertThat(healthy.out()).contains("successfully rolled out");

    t.patchSpec("st", "{\"version\":\"v2\",\"template\":{\"metadata\":{\"annotations\":"
        + "{\"sim.openrtc.tech/startup-delay-ms\":\"60000\"}}}}");
    CliRunner.Result timedOut = cli.run("rollout", "status", "st", "--timeout=2s");
    assertThat(timedOut.code()).isEqualTo(1);
    assertThat(timedOut.out()).contains("Waiting for rollout to finish: 0 of 1 new workers ready...");
    assertThat(timedOut.err()).contains("timed out");

    t.patchSpec("st", "{\"strategy\":{\"progressDeadlineSeconds\":2}}");
    CliRunner.Result degraded = cli.run("rollout", "status", "st", "--timeout=30s");
    assertThat(degraded.code()).isEqualTo(1);
    assertThat(degraded.err()).contains("Degraded").contains("Progress deadline exceeded");

    CliRunner.Result once = cli.run("rollout", "status", "st", "--watch=false");
    assertThat(once.code()).isEqualTo(1);
  }

  @Test
  void pauseStopsProgressAndResumeContinuesIt() {
    t.create(deployment("pr", "v1", 2));
    t.awaitHealthyAt("pr", "v1", Duration.ofSeconds(20));
    assertThat(cli.run("rollout", "pause", "pr").code()).isZero();
    assertThat(cli.run("rollout", "pause", "pr").code()).isEqualTo(1);
    t.setVersion("pr", "v2");
    t.awaitPhase("pr", Phase.Paused, Duration.ofSeconds(10));
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
        .until(() -> t.pods("pr").stream().allMatch(p -> version(p).equals("v1")));

    assertThat(cli.run("rollout", "resume", "pr").code()).isZero();
    assertThat(cli.run("rollout", "status", "pr", "--timeout=30s").code()).isZero();
    assertThat(t.get("pr").getStatus().getActiveVersion()).isEqualTo("v2");
  }

  @Test
  void manualPromoteAfterAwaitingPromotion() {
    AgentDeployment d = deployment("gate", "v1", 2);
    d.getSpec().setStrategy(new tech.openrtc.operator.api.StrategySpec());
    d.getSpec().getStrategy().setAutoPromote(false);
    t.create(d);
    t.awaitHealthyAt("gate", "v1", Duration.ofSeconds(20));
    t.sim.calls(NS, "gate", CallProfile.uniform(3, Duration.ofMillis(300), Duration.ofSeconds(2)));

    t.setVersion("gate", "v2");
    t.awaitPhase("gate", Phase.AwaitingPromotion, Duration.ofSeconds(15));
    assertThat(t.pods("gate", p -> version(p).equals("v1"))).hasSize(2).noneMatch(OperatorTestSupport::draining);

    CliRunner.Result promote = cli.run("rollout", "promote", "gate");
    assertThat(promote.code()).as(promote.err()).isZero();
    t.awaitHealthyAt("gate", "v2", Duration.ofSeconds(20));
    await().atMost(Duration.ofSeconds(5)).until(() -> t.get("gate").getMetadata().getAnnotations() == null
        || !t.get("gate").getMetadata().getAnnotations().containsKey(Names.ANNOTATION_PROMOTE));
    assertThat(cli.run("rollout", "promote", "gate").code()).as("nothing left to promote").isEqualTo(1);
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }

  @Test
  void abortBeforePromotionDrainsTheNewWorkersAndKeepsTheOld() {
    AgentDeployment d = deployment("ab", "v1", 2);
    d.getSpec().setStrategy(new tech.openrtc.operator.api.StrategySpec());
    d.getSpec().getStrategy().setAutoPromote(false);
    t.create(d);
    t.awaitHealthyAt("ab", "v1", Duration.ofSeconds(20));
    t.setVersion("ab", "v2");
    t.awaitPhase("ab", Phase.AwaitingPromotion, Duration.ofSeconds(15));

    CliRunner.Result abort = cli.run("rollout", "abort", "ab");
    assertThat(abort.code()).as(abort.err()).isZero();
    AgentDeployment aborted = t.awaitPhase("ab", Phase.Aborted, Duration.ofSeconds(10));
    assertThat(aborted.getSpec().getVersion()).as("the spec is left as written").isEqualTo("v2");
    assertThat(aborted.getStatus().getActiveVersion()).isEqualTo("v1");
    await().atMost(Duration.ofSeconds(10)).until(() -> t.pods("ab", p -> version(p).equals("v2")).isEmpty());
    assertThat(t.pods("ab")).hasSize(2).allMatch(p -> version(p).equals("v1")).noneMatch(OperatorTestSupport::draining);
    assertThat(cli.run("rollout", "status", "ab", "--watch=false").code()).isEqualTo(1);

    // A new spec is a new rollout.
    t.setVersion("ab", "v3");
    t.awaitPhase("ab", Phase.AwaitingPromotion, Duration.ofSeconds(15));
    assertThat(cli.run("rollout", "promote", "ab").code()).isZero();
    t.awaitHealthyAt("ab", "v3", Duration.ofSeconds(20));
    t.assertNoCallCut();
  }

  @Test
  void autoRollbackAfterTheDeadlineWithACrashLoopingVersion() {
    AgentDeployment d = deployment("auto", "v1", 2);
    d.getSpec().setStrategy(new tech.openrtc.operator.api.StrategySpec());
    d.getSpec().getStrategy().setAutoRollback(true);
    d.getSpec().getStrategy().setProgressDeadlineSeconds(4);
    t.create(d);
    t.awaitHealthyAt("auto", "v1", Duration.ofSeconds(20));
    t.sim.calls(NS, "auto", CallProfile.uniform(4, Duration.ofMillis(300), Duration.ofSeconds(2)));

    t.patchSpec("auto", "{\"version\":\"v2\",\"template\":{\"metadata\":{\"annotations\":"
        + "{\"sim.openrtc.tech/fault\":\"crash-after-ms:150\"}}}}");
    await().atMost(Duration.ofSeconds(20)).until(() -> "v1".equals(t.get("auto").getSpec().getVersion()));
    AgentDeployment back = t.awaitHealthyAt("auto", "v1", Duration.ofSeconds(20));
    assertThat(back.getSpec().getTemplate().getMetadata().getAnnotations()).doesNotContainKey("sim.openrtc.tech/fault");
    assertThat(t.pods("auto")).hasSize(2).allMatch(p -> version(p).equals("v1"));
    assertThat(t.user.v1().events().inNamespace(NS).list().getItems())
        .anySatisfy(e -> {
          assertThat(e.getReason()).isEqualTo("deployment.rolled_back");
          assertThat(e.getMessage()).contains("autoRollback");
        });
    t.assertNoCallCut();
    t.assertNoBusyPodDeleted();
  }

  @Test
  void annotationDrivenUndoAndRestart() {
    t.create(deployment("anno", "v1", 1));
    t.awaitHealthyAt("anno", "v1", Duration.ofSeconds(20));
    rollTo("anno", "v2");

    t.user.resources(AgentDeployment.class).inNamespace(NS).withName("anno").edit(a -> {
      a.getMetadata().setAnnotations(new java.util.HashMap<>(java.util.Map.of(Names.ANNOTATION_ROLLBACK_TO, "1")));
      return a;
    });
    t.awaitHealthyAt("anno", "v1", Duration.ofSeconds(20));
    assertThat(t.get("anno").getMetadata().getAnnotations()).doesNotContainKey(Names.ANNOTATION_ROLLBACK_TO);

    t.user.resources(AgentDeployment.class).inNamespace(NS).withName("anno").edit(a -> {
      a.getMetadata().getAnnotations().put(Names.ANNOTATION_ROLLBACK_TO, "42");
      return a;
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> !t.get("anno").getMetadata().getAnnotations()
        .containsKey(Names.ANNOTATION_ROLLBACK_TO));
    assertThat(t.user.v1().events().inNamespace(NS).list().getItems())
        .anySatisfy(e -> assertThat(e.getMessage()).contains("no such revision"));
    assertThat(t.get("anno").getSpec().getVersion()).isEqualTo("v1");

    Set<String> before = names(t.pods("anno"));
    CliRunner.Result restart = cli.run("rollout", "restart", "anno");
    assertThat(restart.code()).isZero();
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      List<Pod> pods = t.pods("anno");
      return pods.size() == 1 && !before.contains(pods.get(0).getMetadata().getName())
          && t.get("anno").getStatus().getPhase() == Phase.Healthy;
    });
    CliRunner.Result get = cli.run("get", "anno");
    assertThat(get.code()).isZero();
    assertThat(get.out()).contains("Active").contains("v1").contains("Phase: Healthy");
  }

  private static Set<String> names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
  }
}
