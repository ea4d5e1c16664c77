package io.bosun.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.envoy.EnvoyBinary;
import io.bosun.envoy.EnvoyProcess;
import io.bosun.testing.Samples;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What the README tells users must work as written. */
class ReadmeIT {
  private static final Path ROOT = Samples.root();

  @Test
  void theBootstrapExampleIsAcceptedByEnvoy() throws Exception {
    String readme = Files.readString(ROOT.resolve("README.md"));
    int start = readme.indexOf("```yaml", readme.indexOf("A gateway bootstrap"));
    assertThat(start).as("README has a gateway bootstrap example").isPositive();
    String yaml = readme.substring(readme.indexOf('\n', start) + 1, readme.indexOf("```", start + 7));
    assertThat(yaml).contains("router~", "NAMESPACE", "LABELS", "ads_config");
    EnvoyProcess.validate(EnvoyBinary.require(), yaml);
  }

  @Test
  void theTestCommandIsWhatCiRuns() throws Exception {
    String readme = Files.readString(ROOT.resolve("README.md"));
    String ci = Files.readString(ROOT.resolve(".ci/run"));
    assertThat(readme).contains("bin/bosun demo",
        "bin/install-envoy && bin/install-netns-tools && e2e-tests/bin/install-k8s-test-binaries && ./mvnw -B verify");
    assertThat(ci).contains("bin/install-envoy", "bin/install-netns-tools", "e2e-tests/bin/install-k8s-test-binaries",
        "./mvnw -B verify");
  }
}
