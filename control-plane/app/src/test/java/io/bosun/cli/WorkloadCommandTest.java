package io.bosun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.bootstrap.EnvoyBootstraps;
import io.bosun.bootstrap.WorkloadBootstraps;
import io.bosun.config.ConfigParser;
import io.bosun.model.Kind;
import io.bosun.model.ResourceRef;
import io.bosun.model.WorkloadEntry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code workload entry configure}'s outputs, offline: the WorkloadEntry it writes and the VM's bootstrap. */
class WorkloadCommandTest {
  private static final WorkloadEntry ENTRY = new WorkloadEntry(new ResourceRef(Kind.WORKLOAD_ENTRY, "shop", "vm-1"),
      "10.0.3.7", Map.of("http", 8080), Map.of("app", "ratings", "security.istio.io/tlsMode", "istio"), "net-1",
      "us-east1/b", 2, "ratings-vm", true);

  @Test
  void theWorkloadEntryItWritesReadsBackAsTheSame() {
    var parsed = new ConfigParser().parse("we.yaml", WorkloadCommand.yaml(ENTRY));
    assertThat(parsed.fileErrors()).isEmpty();
    assertThat(parsed.conversions()).singleElement().satisfies(c -> {
      assertThat(c.problems()).isEmpty();
      assertThat(c.value()).isEqualTo(ENTRY);
    });
  }

  @Test
  void theBootstrapIdentifiesTheVmAsASidecarAndReachesBosunWithItsToken() {
    String json = EnvoyBootstraps.render(WorkloadBootstraps.bootstrap(ENTRY, "bosun.example:15012", "/etc/bosun",
        "cluster.local"));
    assertThat(json).contains("\"id\": \"sidecar~10.0.3.7~vm-1.shop~shop.svc.cluster.local\"")
        .contains("\"SERVICE_ACCOUNT\": \"ratings-vm\"").contains("\"NAMESPACE\": \"shop\"")
        .contains("\"target_uri\": \"bosun.example:15012\"").contains("/etc/bosun/istio-token")
        .contains("/etc/bosun/root-cert.pem").contains("\"app\": \"ratings\"");
  }

  @Test
  void aGroupThatIsNotValidIsRefusedWithItsProblems(@TempDir Path dir) throws Exception {
    Path group = dir.resolve("g.yaml");
    Files.writeString(group, """
        apiVersion: networking.istio.io/v1
        kind: WorkloadGroup
        metadata: {name: vms, namespace: shop}
        spec: {template: {address: 10.0.0.1}}
        """);
    StringWriter err = new StringWriter();
    var cli = Cli.commandLine(new Bosunctl(), "bosunctl");
    cli.setErr(new PrintWriter(err));
    int rc = cli.execute("workload", "entry", "configure", "-f", group.toString(), "--address", "10.0.3.7", "-o",
        dir.resolve("out").toString());
    assertThat(rc).isEqualTo(1);
    assertThat(err.toString()).contains("spec.template.address: must not be set in a template");
    assertThat(dir.resolve("out")).doesNotExist();
  }
}
