package tech.openrtc.operator.it;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tech.openrtc.operator.cli.Main;
import tech.openrtc.operator.sim.SimCluster;

/** Runs the CLI classes the kubectl plugin runs, against the simulated cluster's kubeconfig. */
final class CliRunner {

  record Result(int code, String out, String err) {}

  private final Path kubeconfig;

  CliRunner(SimCluster sim) throws Exception {
    kubeconfig = Files.createTempFile("kubeconfig", ".yaml");
    sim.writeKubeconfig(kubeconfig);
  }

  Result run(String... args) {
    List<String> all = new ArrayList<>(List.of("agents"));
    all.addAll(List.of(args));
    all.add("--kubeconfig=" + kubeconfig);
    all.add("--namespace=" + OperatorTestSupport.NS);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
    return new Result(code, out.toString(), err.toString());
  }
}
