package io.biostream.api;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The API runs beside any Flink cluster: it uses the libraries (vision, identity, crypto, audit,
 * the state contract) and never the job's functions, its records or the job itself.
 */
class ApiArchitectureTest {
    /** Main classes only (ArchUnit's own JUnit engine is not run by Surefire here, so plain tests check the rules). */
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.biostream.api");

    @Test
    void neverTheJobsFunctions() {
        noClasses()
            .should().dependOnClassesThat().resideInAnyPackage("io.biostream.operators.functions..",
                    "io.biostream.operators.records..", "io.biostream.jobs..", "io.biostream.launcher..")
            .because("the API is its own service; the job's functions run only in Flink")
                .check(CLASSES);
    }

    @Test
    void noFlinkRuntime() {
        noClasses()
            .should().dependOnClassesThat().resideInAnyPackage("org.apache.flink.streaming..",
                    "org.apache.flink.runtime..", "org.apache.flink.client..")
            .because("the API reads queryable state through its client only")
                .check(CLASSES);
    }
}
