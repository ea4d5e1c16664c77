package io.bosun;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The data path of ARCHITECTURE.md, enforced over the main classes of every module (this module
 * has them all on its class path: core, xds-server, injector-webhook and its own).
 */
class ArchitectureTest {
  private static final Pattern TEST_JAR = Pattern.compile(".*-tests\\.jar.*");

  private static final JavaClasses CLASSES = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .withImportOption((Location location) -> !location.matches(TEST_JAR))
      .importPackages("io.bosun");

  @Test
  void everyModuleIsOnTheClassPath() {
    // the rules below are only as good as what they see
    assertThat(CLASSES.stream().map(c -> c.getPackageName()).distinct())
        .contains("io.bosun.model", "io.bosun.analyze", "io.bosun.translate", "io.bosun.xds", "io.bosun.resources",
            "io.bosun.inject",
            "io.bosun.runtime", "io.bosun.cli", "io.bosun.api.ca.v1");
  }

  @Test
  void noPackageCycles() {
    slices().matching("io.bosun.(*)..").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void theDataPathIsLayered() {
    layeredArchitecture().consideringOnlyDependenciesInLayers()
        .layer("Model").definedBy("io.bosun.model..")
        .layer("Config").definedBy("io.bosun.config..")
        .layer("Analysis").definedBy("io.bosun.analyze..")
        .layer("Sources").definedBy("io.bosun.sources..")
        .layer("Translation").definedBy("io.bosun.translate..")
        .layer("Resources").definedBy("io.bosun.resources..")
        .layer("Serving").definedBy("io.bosun.xds..", "io.bosun.api..")
        .layer("Push").definedBy("io.bosun.push..")
        .layer("Sinks").definedBy("io.bosun.status..")
        .layer("Security").definedBy("io.bosun.ca..", "io.bosun.identity..", "io.bosun.certs..")
        .layer("Injection").definedBy("io.bosun.inject..", "io.bosun.intercept..", "io.bosun.webhook..")
        .layer("Operations").definedBy("io.bosun.monitoring..", "io.bosun.http..")
        .layer("Shell").definedBy("io.bosun.runtime..", "io.bosun.cli..", "io.bosun.demo..", "io.bosun.envoy..")
        .whereLayer("Shell").mayNotBeAccessedByAnyLayer()
        .whereLayer("Sources").mayOnlyBeAccessedByLayers("Shell")
        .whereLayer("Analysis").mayOnlyBeAccessedByLayers("Shell")
        .whereLayer("Sinks").mayOnlyBeAccessedByLayers("Shell")
        .whereLayer("Push").mayOnlyBeAccessedByLayers("Shell")
        .whereLayer("Operations").mayOnlyBeAccessedByLayers("Shell", "Injection")
        .whereLayer("Translation").mayOnlyBeAccessedByLayers("Push", "Security", "Shell")
        .whereLayer("Serving").mayOnlyBeAccessedByLayers("Push", "Security", "Shell")
        .whereLayer("Resources").mayOnlyBeAccessedByLayers("Translation", "Serving", "Push", "Shell")
        .whereLayer("Config").mayOnlyBeAccessedByLayers("Sources", "Push", "Sinks", "Injection", "Analysis",
            "Shell")
        .check(CLASSES);
  }

  @Test
  void modelIsPure() {
    noClasses().that().resideInAPackage("io.bosun.model..")
        .should().dependOnClassesThat().resideInAnyPackage("io.fabric8..", "io.grpc..", "io.envoyproxy..",
            "com.google.protobuf..", "io.bosun.config..", "io.bosun.translate..", "io.bosun.xds..")
        .check(CLASSES);
  }

  @Test
  void translationSeesOnlyTheModelAndEnvoyProtos() {
    noClasses().that().resideInAPackage("io.bosun.translate..")
        .should().dependOnClassesThat().resideInAnyPackage("io.fabric8..", "io.grpc..", "io.bosun.xds..",
            "io.bosun.config..", "io.bosun.sources..", "io.bosun.push..", "io.envoyproxy.controlplane..")
        .check(CLASSES);
  }

  /** Analysis reads the model (and the validator's problems); the CLI adapts files and clusters to it. */
  @Test
  void analysisIsPure() {
    noClasses().that().resideInAPackage("io.bosun.analyze..")
        .should().dependOnClassesThat().resideInAnyPackage("io.fabric8..", "io.grpc..", "io.envoyproxy..",
            "com.google.protobuf..", "io.bosun.translate..", "io.bosun.xds..", "io.bosun.sources..",
            "io.bosun.inject..", "com.fasterxml..")
        .check(CLASSES);
  }

  @Test
  void configDoesNotKnowAboutServing() {
    noClasses().that().resideInAnyPackage("io.bosun.config..", "io.bosun.sources..")
        .should().dependOnClassesThat().resideInAnyPackage("io.grpc..", "io.bosun.xds..", "io.bosun.translate..",
            "io.envoyproxy..")
        .check(CLASSES);
  }

  @Test
  void theServingModuleKnowsNothingOfIstio() {
    noClasses().that().resideInAnyPackage("io.bosun.xds..", "io.bosun.resources..", "io.bosun.concurrent..",
            "io.bosun.logging..")
        .should().dependOnClassesThat().resideInAnyPackage("io.bosun.model..", "io.bosun.config..",
            "io.bosun.translate..", "io.fabric8..")
        .check(CLASSES);
  }
}
