package io.bosun.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.bosun.config.ConfigError;
import io.bosun.config.ConfigParser;
import io.bosun.config.Conversion;
import io.bosun.testing.FuzzInputs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/**
 * Random and mutated YAML through the validator (Jazzer, coverage-guided): whatever the text, the
 * parser answers with conversions and errors, never a throwable, and never echoes a huge value.
 * Seeds are the validation corpus, valid and invalid, mutated by the fuzzer's bytes.
 */
class ConfigFuzzTest {
  static {
    if (Boolean.getBoolean("bosun.fuzz.quiet")) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.bosun"))
          .setLevel(ch.qos.logback.classic.Level.WARN);
    }
  }

  private static final ConfigParser PARSER = new ConfigParser();
  private static final List<String> SEEDS = seeds();

  static List<String> seeds() {
    try (Stream<Path> files = Files.walk(Path.of("src/test/resources/validation"))) {
      return files.filter(p -> p.toString().endsWith(".yaml")).sorted().map(p -> {
        try {
          return Files.readString(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest(maxDuration = "25s", maxExecutions = 200_000)
  void anyYamlIsAnsweredWithErrorsNeverAThrowable(FuzzedDataProvider data) {
    String text = FuzzInputs.textOrMutatedSeed(data, SEEDS, 8);
    ConfigParser.Parsed parsed = PARSER.parse("fuzz.yaml", text);
    for (ConfigError e : parsed.fileErrors()) {
      assertThat(e.message().length()).isLessThanOrEqualTo(2_100);
    }
    for (Conversion c : parsed.conversions()) {
      assertThat(c.ref()).isNotNull();
      c.problems().forEach(e -> assertThat(e.message().length()).isLessThanOrEqualTo(2_100));
    }
  }
}
