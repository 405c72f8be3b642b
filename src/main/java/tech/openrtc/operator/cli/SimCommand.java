package tech.openrtc.operator.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tech.openrtc.operator.api.AgentDeployment;
import tech.openrtc.operator.sim.CallProfile;
import tech.openrtc.operator.sim.SimCluster;
import tech.openrtc.operator.sim.SimOptions;

/** Runs the simulated cluster alone, for {@code run} and the kubectl plugin to be pointed at. */
@Command(name = "sim", mixinStandardHelpOptions = true,
    description = "Run the simulated cluster (API server, kubelet, workers) and write a kubeconfig for it.")
public class SimCommand implements Callable<Integer> {

  @Option(names = "--kubeconfig", required = true, description = "Where to write the kubeconfig.")
  Path kubeconfig;

  @Option(names = "--calls-per-second", defaultValue = "0",
      description = "Calls to place on every AgentDeployment (default ${DEFAULT-VALUE}).")
  double callsPerSecond;

  @Option(names = "--call-seconds", defaultValue = "2-20",
      description = "Call duration range MIN-MAX in seconds (default ${DEFAULT-VALUE}).")
  String callSeconds;

  @Option(names = "--startup-ms", defaultValue = "1000", description = "Pod start-up time (default ${DEFAULT-VALUE} ms).")
  long startupMillis;

  @Option(names = "--api-port", defaultValue = "0", description = "API server port; 0 picks a free one.")
  int apiPort;

  @Override
  public Integer call() throws Exception {
    SimCluster sim = SimCluster.start(SimOptions.defaults()
        .withStartupDelay(Duration.ofMillis(startupMillis)).withApiPort(apiPort)
        .withPropagation(SimOptions.Propagation.kubelet()));
    sim.writeKubeconfig(kubeconfig);
    System.out.println("simulated cluster at " + sim.masterUrl() + "; kubeconfig written to " + kubeconfig);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      sim.close();
      stopped.countDown();
    }, "shutdown"));
    if (callsPerSecond > 0) {
      CallProfile profile = DemoCommand.profile(callsPerSecond, callSeconds);
      KubernetesClient client = sim.newClient(SimCluster.USER_AGENT + "-calls");
      Set<String> started = new HashSet<>();
      // Every AgentDeployment that appears gets its own stream of calls.
      while (!stopped.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
        for (AgentDeployment d : client.resources(AgentDeployment.class).inAnyNamespace().list().getItems()) {
          if (started.add(d.key())) {
            sim.calls(d.getMetadata().getNamespace(), d.getMetadata().getName(), profile);
            System.out.println("placing " + callsPerSecond + " calls/s on " + d.key());
          }
        }
      }
    }
    stopped.await();
    return 0;
  }
}
