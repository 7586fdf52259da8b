package io.biostream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every schema stays compatible both ways with the last released version (the newest
 * src/main/avro-history/vN): consumers on the new schemas read old records (backward),
 * and consumers still on the old ones read new records (forward).
 */
class SchemaCompatibilityTest {
    private static final SchemaSet CURRENT = SchemaSet.current();
    private static final SchemaSet BASELINE = SchemaSet.latestBaseline();

    static Stream<String> currentSchemaFiles() {
        return CURRENT.byFile().keySet().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("currentSchemaFiles")
    void currentSchemaReadsDataWrittenWithTheBaseline(String file) {
        assumeTrue(BASELINE.has(file), file + " has no baseline (see everyCurrentSchemaHasABaseline)");
        List<String> problems = SchemaCompatibilityCheck.problems(CURRENT.schema(file), BASELINE.schema(file));
        assertThat(problems)
                .as("%s: the current schema cannot read data written with %s (backward incompatible)", file, BASELINE.label())
                .isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("currentSchemaFiles")
    void baselineReadsDataWrittenWithTheCurrentSchema(String file) {
        assumeTrue(BASELINE.has(file), file + " has no baseline (see everyCurrentSchemaHasABaseline)");
        List<String> problems = SchemaCompatibilityCheck.problems(BASELINE.schema(file), CURRENT.schema(file));
        assertThat(problems)
                .as("%s: %s cannot read data written with the current schema (forward incompatible)", file, BASELINE.label())
                .isEmpty();
    }

    @Test
    void everyCurrentSchemaHasABaseline() {
        assertThat(CURRENT.byFile()).as("current schemas").isNotEmpty();
        assertThat(BASELINE.byFile().keySet())
                .as("every schema in src/main/avro needs a copy in avro-history/%s (add it when adding a schema)",
                        BASELINE.label())
                .containsAll(CURRENT.byFile().keySet());
    }

    @Test
    void baselineNamesTheSameRecordsAsTheCurrentSchemas() {
        for (String file : BASELINE.byFile().keySet()) {
            if (CURRENT.has(file)) {
                assertThat(CURRENT.schema(file).getFullName()).as(file).isEqualTo(BASELINE.schema(file).getFullName());
            }
        }
    }

    @Test
    void checkerReportsANewRequiredFieldAsBackwardIncompatible() {
        Schema frame = CURRENT.schema("Frame.avsc");
        Schema withRequiredField = withExtraField(frame, new Schema.Field("lensId", Schema.create(Schema.Type.STRING)));

        assertThat(SchemaCompatibilityCheck.problems(withRequiredField, frame))
                .as("a reader with a new field without default cannot read old frames")
                .singleElement().asString()
                .contains("READER_FIELD_MISSING_DEFAULT_VALUE").contains("lensId");
        assertThat(SchemaCompatibilityCheck.problems(frame, withRequiredField))
                .as("old readers skip the new field")
                .isEmpty();
    }

    @Test
    void checkerAcceptsANewFieldWithADefault() {
        Schema frame = CURRENT.schema("Frame.avsc");
        Schema withOptionalField = withExtraField(frame, new Schema.Field("lensId",
                Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING)), null,
                Schema.Field.NULL_DEFAULT_VALUE));

        assertThat(SchemaCompatibilityCheck.problems(withOptionalField, frame)).isEmpty();
        assertThat(SchemaCompatibilityCheck.problems(frame, withOptionalField)).isEmpty();
    }

    @Test
    void checkerReportsARemovedRequiredFieldAsForwardIncompatible() {
        Schema frame = CURRENT.schema("Frame.avsc");
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : frame.getFields()) {
            if (!f.name().equals("encoding")) {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        Schema withoutEncoding = Schema.createRecord(frame.getName(), frame.getDoc(), frame.getNamespace(), false, fields);

        assertThat(SchemaCompatibilityCheck.problems(frame, withoutEncoding))
                .as("old readers need encoding, which new frames no longer carry")
                .singleElement().asString()
                .contains("READER_FIELD_MISSING_DEFAULT_VALUE").contains("encoding");
    }

    /** A copy of {@code record} (same name) with one more field at the end. */
    private static Schema withExtraField(Schema record, Schema.Field extra) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : record.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.add(extra);
        return Schema.createRecord(record.getName(), record.getDoc(), record.getNamespace(), false, fields);
    }
}
