package io.cairn.membership.testing;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The architecture rules of a pure protocol core (STYLE.md, "Pure cores, thin shells"): no
 * Vert.x, no sockets, no threads or concurrency, no transport or shell, and no clock of its own.
 * That is what lets the simulator run it. Each module's architecture test names its cores.
 */
public final class PureCores {
  private PureCores() {}

  /**
   * Checks the main classes under {@code root} whose package is one of {@code pure} (ArchUnit
   * package patterns: {@code a.b..} includes subpackages, {@code a.b} does not).
   */
  public static void check(String root, String... pure) {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(root);
    noClasses()
        .that()
        .resideInAnyPackage(pure)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.vertx..", "java.net..", "java.nio.channels..", "java.util.concurrent..",
            "io.cairn.membership.transport..", "io.cairn.membership.shell..")
        .check(classes);
    noClasses()
        .that()
        .resideInAnyPackage(pure)
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
