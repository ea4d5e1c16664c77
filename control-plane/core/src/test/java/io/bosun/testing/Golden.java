package io.bosun.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files under {@code src/test/resources/golden}. Run with {@code -Dgolden.update=true} to
 * rewrite them, then review the diff: a golden file is only as good as that review.
 */
public final class Golden {
  private static final Path DIR = Path.of("src/test/resources/golden");

  private Golden() {
  }

  public static void assertMatches(String name, String actual) throws IOException {
    Path file = DIR.resolve(name);
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, actual, StandardCharsets.UTF_8);
      return;
    }
    assertThat(file).as("golden file %s is missing; run with -Dgolden.update=true and review it", file).exists();
    assertThat(actual).as("xDS differs from golden file %s (run with -Dgolden.update=true to accept)", file)
        .isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
  }
}
