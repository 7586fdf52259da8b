package io.biostream.operators;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layer rules of operators (docs/architecture.md, "Modules"): the libraries by concern are
 * Flink-free, so the API and the command line can use them without the job; the Flink functions
 * sit on top of them; records are plain data; no two packages depend on each other.
 */
class ArchitectureTest {
    /** Main classes only (ArchUnit's own JUnit engine is not run by Surefire here, so plain tests check the rules). */
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.biostream.operators");

    @Test
    void noPackageCycles() {
        slices().matching("io.biostream.operators.(*)..")
            .should().beFreeOfCycles()
                .check(CLASSES);
    }

    @Test
    void librariesAreFlinkFree() {
        noClasses()
            .that().resideInAnyPackage("..operators.config..", "..operators.decode..", "..operators.image..",
                    "..operators.vision..", "..operators.identity..", "..operators.crypto..", "..operators.audit..",
                    "..operators.records..")
            .should().dependOnClassesThat().resideInAPackage("org.apache.flink..")
            .because("the API and the command line use these libraries without the job's runtime")
                .check(CLASSES);
    }

    @Test
    void librariesDoNotUseTheJobsFunctions() {
        noClasses()
            .that().resideOutsideOfPackage("..operators.functions..")
            .should().dependOnClassesThat().resideInAPackage("..operators.functions..")
            .because("the functions are the job's: nothing below them may need them")
                .check(CLASSES);
    }

    @Test
    void recordsArePlainData() {
        noClasses()
            .that().resideInAPackage("..operators.records..")
            .should().dependOnClassesThat().resideInAnyPackage("..operators.vision..", "..operators.crypto..",
                    "..operators.identity..", "..operators.state..", "..operators.decode..", "..operators.audit..")
            .because("records carry data between operators, they do no work")
                .check(CLASSES);
    }
}
