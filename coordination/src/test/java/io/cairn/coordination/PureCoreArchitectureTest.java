package io.cairn.coordination;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The Raft core is pure (STYLE.md, "Pure cores, thin shells"): no Vert.x, no sockets, no threads or
 * concurrency, no clock of its own. That is what lets the simulator run it.
 */
class PureCoreArchitectureTest {
  private static final String[] PURE = {"io.cairn.coordination.raft"};

  private final JavaClasses classes =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.cairn.coordination");

  @Test
  void coreImportsNoVertxSocketsOrConcurrency() {
    noClasses()
        .that()
        .resideInAnyPackage(PURE)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.vertx..", "java.net..", "java.nio.channels..", "java.util.concurrent..",
            "io.cairn.membership.transport..", "io.cairn.membership.shell..")
        .check(classes);
  }

  @Test
  void coreReadsNoClock() {
    noClasses()
        .that()
        .resideInAnyPackage(PURE)
        .should()
        .callMethod(System.class, "nanoTime")
        .orShould()
        .callMethod(System.class, "currentTimeMillis")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.time.Instant")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.time.Clock")
        .check(classes);
  }
}
