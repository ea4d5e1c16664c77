package io.bosun.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The validation corpus: each file under validation/invalid names, in its first line, the exact
 * error Bosun must report; each file under validation/valid must pass (warnings allowed).
 */
class ValidationCorpusTest {
  private static final Path DIR = Path.of("src/test/resources/validation");

  static Stream<Path> invalid() throws IOException {
    return files("invalid");
  }

  static Stream<Path> valid() throws IOException {
    return files("valid");
  }

  private static Stream<Path> files(String sub) throws IOException {
    List<Path> list;
    try (Stream<Path> s = Files.list(DIR.resolve(sub))) {
      list = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    return list.stream();
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void rejectedWithTheExactMessage(Path file) throws IOException {
    String text = Files.readString(file);
    String first = text.lines().findFirst().orElse("");
    assertThat(first).as("first line of %s", file).startsWith("# expect: ");
    String expected = file.getFileName() + ": " + first.substring("# expect: ".length());
    ConfigParser.Parsed parsed = new ConfigParser().parse(file.getFileName().toString(), text);
    assertThat(parsed.conversions()).hasSize(1);
    Conversion c = parsed.conversions().get(0);
    assertThat(c.valid()).as("%s must be rejected", file).isFalse();
    assertThat(c.errors()).extracting(ConfigError::toString).contains(expected);
  }

  @ParameterizedTest
  @MethodSource("valid")
  void accepted(Path file) throws IOException {
    ConfigParser.Parsed parsed = new ConfigParser().parse(file.getFileName().toString(), Files.readString(file));
    assertThat(parsed.fileErrors()).isEmpty();
    assertThat(parsed.conversions()).singleElement().satisfies(c ->
        assertThat(c.errors()).as("%s", file).isEmpty());
  }

  @org.junit.jupiter.api.Test
  void theCorpusIsLargeEnough() throws IOException {
    assertThat(invalid().count()).isGreaterThanOrEqualTo(60);
    assertThat(valid().count()).isGreaterThanOrEqualTo(30);
  }
}
