package io.bosun.crd;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.testing.Samples;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** crds/ holds exactly what the generator writes (rewrite with -Dgolden.update=true, then review). */
class CrdFilesTest {
  private static final Path DIR = Samples.root().resolve("crds");
  private static final Path CHART = Samples.root().resolve("charts/bosun-base/templates");

  @Test
  void committedCrdsAreUpToDate() throws Exception {
    for (CrdGenerator.Kind k : CrdGenerator.KINDS) {
      Path file = DIR.resolve(k.fileName());
      String generated = CrdGenerator.yaml(k);
      if (Boolean.getBoolean("golden.update")) {
        Files.createDirectories(DIR);
        Files.writeString(file, generated);
      }
      assertThat(file).as("%s missing; run with -Dgolden.update=true", file).exists();
      assertThat(Files.readString(file)).as("%s is out of date; run with -Dgolden.update=true", file)
          .isEqualTo(generated);
      assertThat(generated.length()).as("CRD size").isLessThan(256 * 1024);
      Path chartFile = CHART.resolve(k.fileName());
      String forHelm = CrdGenerator.yaml(k, true);
      if (Boolean.getBoolean("golden.update")) {
        Files.createDirectories(CHART);
        Files.writeString(chartFile, forHelm);
      }
      assertThat(chartFile).as("%s missing; run with -Dgolden.update=true", chartFile).exists();
      assertThat(Files.readString(chartFile)).as("%s is out of date", chartFile).isEqualTo(forHelm)
          .contains("helm.sh/resource-policy: keep");
    }
  }
}
