package io.bosun;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The layering of ARCHITECTURE.md, enforced. */
class ArchitectureTest {
  private static final JavaClasses CLASSES = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.bosun");

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

  @Test
  void configDoesNotKnowAboutServing() {
    noClasses().that().resideInAnyPackage("io.bosun.config..", "io.bosun.sources..")
        .should().dependOnClassesThat().resideInAnyPackage("io.grpc..", "io.bosun.xds..", "io.bosun.translate..",
            "io.envoyproxy..")
        .check(CLASSES);
  }
}
