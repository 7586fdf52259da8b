package io.biostream.operators.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.crypto.tink.KeysetHandle;
import io.biostream.schemas.AuditEvent;
import io.biostream.schemas.AuditOutcome;
import io.biostream.schemas.WireFormat;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AuditVerifierTest {
    private static final int EVENTS = 25;

    private static KeysetHandle keys;
    private static KeysetHandle otherKeys;
    private static AuditVerifier verifier;
    private static List<AuditEvent> trail;

    @BeforeAll
    static void buildTrail() throws GeneralSecurityException {
        keys = AuditSigningKeys.generate();
        otherKeys = AuditSigningKeys.generate();
        verifier = new AuditVerifier(AuditSigningKeys.verifier(AuditSigningKeys.publicKeyset(keys)), AuditTrails.INTERVAL);
        trail = AuditTrails.trail(keys, EVENTS);
    }

    @Test
    void anIntactTrailOf25EventsVerifies() {
        AuditVerification result = verifier.verify(AuditTrails.copy(trail));
        assertThat(result.ok()).as(String.valueOf(result)).isTrue();
        assertThat(result.events()).isEqualTo(EVENTS);
        assertThat(result.lastSignedSequence()).isEqualTo(24L);
        assertThat(result.unsignedTail()).isZero();
        assertThat(result.firstBadEvent()).isNull();
    }

    @Test
    void theChainLinksEachEventToTheOneBeforeAndSignsEveryFifth() {
        assertThat(AuditCanonicalForm.bytesOf(trail.get(0).getPreviousHash())).containsOnly(0).hasSize(32);
        for (int i = 0; i < EVENTS; i++) {
            AuditEvent event = trail.get(i);
            assertThat(event.getSequence()).isEqualTo(i);
            assertThat(AuditCanonicalForm.bytesOf(event.getHash())).isEqualTo(AuditCanonicalForm.hash(event));
            if (i > 0) {
                assertThat(event.getPreviousHash()).isEqualTo(trail.get(i - 1).getHash());
            }
            boolean checkpoint = i % AuditTrails.INTERVAL == AuditTrails.INTERVAL - 1;
            assertThat(event.getSignature() != null).as("signature on event %d", i).isEqualTo(checkpoint);
            assertThat(event.getSigningKeyId()).isEqualTo(checkpoint ? AuditSigningKeys.keyId(keys) : null);
        }
        assertThat(trail.get(0).getTime()).isEqualTo(Instant.parse("2026-11-25T10:00:00.123Z"));
    }

    @Test
    void anEmptyTrailVerifiesWithNoEvents() {
        AuditVerification result = verifier.verify(List.of());
        assertThat(result.ok()).isTrue();
        assertThat(result.events()).isZero();
        assertThat(result.lastSignedSequence()).isNull();
    }

    /** Each field, altered in place (as an attacker editing stored bytes would), and the problem it must cause. */
    static Stream<Arguments> alterations() {
        Map<String, Consumer<AuditEvent>> fields = new java.util.LinkedHashMap<>();
        fields.put("sequence", e -> e.setSequence(e.getSequence() + 100));
        fields.put("time", e -> e.setTime(e.getTime().plusMillis(1)));
        fields.put("actor", e -> e.setActor(e.getActor() + "x"));
        fields.put("action", e -> e.setAction(AuditActions.CONFIG_CHANGE));
        fields.put("subject", e -> e.setSubject(e.getSubject() == null ? "cam-9" : null));
        fields.put("outcome", e -> e.setOutcome(e.getOutcome() == AuditOutcome.SUCCESS ? AuditOutcome.DENIED : AuditOutcome.SUCCESS));
        fields.put("details", e -> {
            Map<String, String> details = new HashMap<>(e.getDetails());
            details.put("faces", "99");
            e.setDetails(details);
        });
        fields.put("previousHash", e -> e.setPreviousHash(flipped(e.getPreviousHash())));
        fields.put("hash", e -> e.setHash(flipped(e.getHash())));
        fields.put("signingKeyId", e -> e.setSigningKeyId(e.getSigningKeyId() == null ? "12345" : e.getSigningKeyId() + "0"));
        List<Arguments> cases = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            for (Map.Entry<String, Consumer<AuditEvent>> field : fields.entrySet()) {
                cases.add(Arguments.of(field.getKey(), i, field.getValue(), AuditProblem.HASH_MISMATCH));
            }
            // The signature is not hashed (it signs the hash): altering it is caught by the signature check.
            cases.add(Arguments.of("signature", i, (Consumer<AuditEvent>) e -> e.setSignature(
                    e.getSignature() == null ? ByteBuffer.wrap(new byte[69]) : flipped(e.getSignature())),
                    AuditProblem.BAD_SIGNATURE));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} of event {1}")
    @MethodSource("alterations")
    void alteringAnyFieldOfAnyEventFailsAtThatEvent(String field, int index, Consumer<AuditEvent> alter, AuditProblem problem) {
        List<AuditEvent> tampered = AuditTrails.copy(trail);
        alter.accept(tampered.get(index));

        AuditVerification result = verifier.verify(tampered);

        assertThat(result.ok()).isFalse();
        assertThat(result.firstBadEvent()).as(String.valueOf(result)).isEqualTo(index);
        assertThat(result.problem()).as(String.valueOf(result)).isEqualTo(problem);
        assertThat(result.events()).isEqualTo(index);
    }

    static IntStream allButTheLast() {
        return IntStream.range(0, EVENTS - 1);
    }

    @ParameterizedTest(name = "event {0}")
    @MethodSource("allButTheLast")
    void deletingAnyEventFailsWhereItWasWithASequenceGap(int index) {
        List<AuditEvent> tampered = AuditTrails.copy(trail);
        tampered.remove(index);

        AuditVerification result = verifier.verify(tampered);

        assertThat(result.ok()).isFalse();
        assertThat(result.firstBadEvent()).isEqualTo(index);
        assertThat(result.firstBadSequence()).isEqualTo(index + 1L);
        assertThat(result.problem()).as(result.detail()).isEqualTo(AuditProblem.SEQUENCE_GAP);
    }

    @Test
    void truncatingTheTailIsNotDetectableByTheChainAlone() {
        // Documented limit: without the newest event the rest is a valid, shorter chain. The
        // verification says how many events follow the last signed checkpoint (19 here), which
        // is the most that could have gone unnoticed had the tail been longer.
        List<AuditEvent> truncated = AuditTrails.copy(trail.subList(0, EVENTS - 1));
        AuditVerification result = verifier.verify(truncated);
        assertThat(result.ok()).isTrue();
        assertThat(result.events()).isEqualTo(EVENTS - 1);
        assertThat(result.lastSignedSequence()).isEqualTo(19L);
        assertThat(result.unsignedTail()).isEqualTo(4);
    }

    @ParameterizedTest(name = "events {0} and {0}+1")
    @MethodSource("allButTheLast")
    void swappingTwoAdjacentEventsFailsAtTheFirstOfThem(int index) {
        List<AuditEvent> tampered = AuditTrails.copy(trail);
        Collections.swap(tampered, index, index + 1);

        AuditVerification result = verifier.verify(tampered);

        assertThat(result.ok()).isFalse();
        assertThat(result.firstBadEvent()).isEqualTo(index);
        assertThat(result.problem()).as(result.detail()).isEqualTo(AuditProblem.OUT_OF_ORDER);
    }

    @Test
    void aReplayedEventIsOutOfOrder() {
        List<AuditEvent> tampered = AuditTrails.copy(trail);
        tampered.add(8, AuditTrails.copy(trail.get(7)));
        AuditVerification result = verifier.verify(tampered);
        assertThat(result.firstBadEvent()).isEqualTo(8);
        assertThat(result.problem()).isEqualTo(AuditProblem.OUT_OF_ORDER);
    }

    @Test
    void anAlteredEventWithARecomputedHashBreaksTheNextLink() {
        List<AuditEvent> tampered = AuditTrails.copy(trail);
        AuditEvent forged = tampered.get(12);
        forged.setOutcome(AuditOutcome.FAILED.equals(forged.getOutcome()) ? AuditOutcome.SUCCESS : AuditOutcome.FAILED);
        forged.setHash(ByteBuffer.wrap(AuditCanonicalForm.hash(forged)));

        AuditVerification result = verifier.verify(tampered);

        assertThat(result.firstBadEvent()).isEqualTo(13);
        assertThat(result.problem()).isEqualTo(AuditProblem.BROKEN_LINK);
    }

    @Test
    void aCheckpointForgedWithAnotherKeyFailsAtItsSignature() throws GeneralSecurityException {
        List<AuditEvent> tampered = AuditTrails.copy(trail);
        AuditEvent checkpoint = tampered.get(9);
        checkpoint.setSignature(ByteBuffer.wrap(AuditSigningKeys.signer(otherKeys)
                .sign(AuditCanonicalForm.bytesOf(checkpoint.getHash()))));

        AuditVerification result = verifier.verify(tampered);

        assertThat(result.firstBadEvent()).isEqualTo(9);
        assertThat(result.problem()).isEqualTo(AuditProblem.BAD_SIGNATURE);
    }

    @Test
    void aCheckpointSignatureMovedFromAnotherCheckpointFails() {
        List<AuditEvent> tampered = AuditTrails.copy(trail);
        tampered.get(14).setSignature(trail.get(9).getSignature().duplicate());
        AuditVerification result = verifier.verify(tampered);
        assertThat(result.firstBadEvent()).isEqualTo(14);
        assertThat(result.problem()).isEqualTo(AuditProblem.BAD_SIGNATURE);
    }

    @Test
    void verifyingWithAnotherKeyFailsAtTheFirstCheckpoint() throws GeneralSecurityException {
        AuditVerifier other = new AuditVerifier(AuditSigningKeys.verifier(AuditSigningKeys.publicKeyset(otherKeys)),
                AuditTrails.INTERVAL);
        AuditVerification result = other.verify(AuditTrails.copy(trail));
        assertThat(result.ok()).isFalse();
        assertThat(result.firstBadEvent()).isEqualTo(AuditTrails.INTERVAL - 1L);
        assertThat(result.problem()).isEqualTo(AuditProblem.BAD_SIGNATURE);
    }

    @Test
    void aStrippedSignatureIsMissing() {
        List<AuditEvent> tampered = AuditTrails.copy(trail);
        tampered.get(9).setSignature(null);
        AuditVerification result = verifier.verify(tampered);
        assertThat(result.firstBadEvent()).isEqualTo(9);
        assertThat(result.problem()).isEqualTo(AuditProblem.MISSING_SIGNATURE);
    }

    @Test
    void aCheckpointRewrittenAsUnsignedIsMissingItsSignatureWhereOneIsDue() {
        // Someone without the key rewrites checkpoint 9 as a plain event and recomputes its hash.
        List<AuditEvent> tampered = AuditTrails.copy(trail);
        AuditEvent checkpoint = tampered.get(9);
        checkpoint.setSignature(null);
        checkpoint.setSigningKeyId(null);
        checkpoint.setHash(ByteBuffer.wrap(AuditCanonicalForm.hash(checkpoint)));

        AuditVerification result = verifier.verify(tampered);

        assertThat(result.firstBadEvent()).isEqualTo(9);
        assertThat(result.problem()).isEqualTo(AuditProblem.MISSING_SIGNATURE);
    }

    @Test
    void bytesThatNoLongerDecodeAreReportedAtTheirPosition() {
        List<byte[]> values = new ArrayList<>();
        trail.forEach(e -> values.add(WireFormat.encode(e)));
        assertThat(verifier.verifyEncoded(values).ok()).isTrue();

        values.get(6)[5] ^= 0x40; // inside the schema fingerprint
        AuditVerification result = verifier.verifyEncoded(values);

        assertThat(result.firstBadEvent()).isEqualTo(6);
        assertThat(result.firstBadSequence()).isNull();
        assertThat(result.problem()).isEqualTo(AuditProblem.UNDECODABLE);
    }

    @Test
    void aChainResumedFromTheTailOfAnotherContinuesIt() throws GeneralSecurityException {
        List<AuditEvent> first = AuditTrails.trail(keys, 12);
        AuditChain resumed = AuditTrails.chain(keys, ChainHead.after(first.subList(7, 12)));
        List<AuditEvent> all = new ArrayList<>(first);
        for (int i = 12; i < 30; i++) {
            all.add(resumed.append(AuditTrails.entry(i)));
        }
        assertThat(all.get(14).getSignature()).as("cadence continues from the signed event 9").isNotNull();
        AuditVerification result = verifier.verify(AuditTrails.copy(all));
        assertThat(result.ok()).as(String.valueOf(result)).isTrue();
        assertThat(result.events()).isEqualTo(30);
    }

    @Test
    void aCheckpointOnDemandIsSignedAndTheCadenceCountsFromIt() throws GeneralSecurityException {
        AuditChain chain = AuditTrails.chain(keys, ChainHead.genesis());
        List<AuditEvent> events = new ArrayList<>();
        events.add(chain.append(AuditTrails.entry(0)));
        events.add(chain.appendSigned(AuditEntry.of(AuditActions.ACTOR_SYSTEM, AuditActions.CHECKPOINT, null,
                AuditOutcome.SUCCESS, Map.of())));
        for (int i = 2; i < 12; i++) {
            events.add(chain.append(AuditTrails.entry(i)));
        }
        assertThat(events.get(1).getSignature()).isNotNull();
        assertThat(events.get(6).getSignature()).isNotNull();
        assertThat(events.get(4).getSignature()).isNull();
        AuditVerification result = verifier.verify(events);
        assertThat(result.ok()).isTrue();
        assertThat(result.lastSignedSequence()).isEqualTo(11L);
    }

    @Test
    void aChainWithoutCheckpointsFailsWhereTheFirstWasDue() throws GeneralSecurityException {
        // A chain signing every 10 checked against a cadence of 5: event 4 should have been signed.
        AuditChain sparse = new AuditChain(AuditSigningKeys.signer(keys), AuditSigningKeys.keyId(keys), 10,
                java.time.Clock.systemUTC(), ChainHead.genesis());
        List<AuditEvent> events = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            events.add(sparse.append(AuditTrails.entry(i)));
        }
        AuditVerification result = verifier.verify(events);
        assertThat(result.firstBadEvent()).isEqualTo(4);
        assertThat(result.problem()).isEqualTo(AuditProblem.MISSING_SIGNATURE);
    }

    /** The trail's first 8 events, an undecodable record, then a signed break after event 7 and two more. */
    private static List<byte[]> brokenAndBridged(KeysetHandle breakKeys) throws GeneralSecurityException {
        List<byte[]> values = new ArrayList<>();
        trail.subList(0, 8).forEach(e -> values.add(WireFormat.encode(e)));
        values.add(new byte[] {1, 2, 3});
        AuditEvent trusted = trail.get(7);
        AuditChain bridge = new AuditChain(AuditSigningKeys.signer(breakKeys), AuditSigningKeys.keyId(breakKeys),
                AuditTrails.INTERVAL, java.time.Clock.systemUTC(),
                new ChainHead(8, AuditCanonicalForm.bytesOf(trusted.getHash()), 4));
        values.add(WireFormat.encode(bridge.appendSigned(AuditEntry.of(AuditActions.ACTOR_SYSTEM, AuditActions.BREAK, null,
                AuditOutcome.FAILED, Map.of("reason", "the last record does not decode")))));
        values.add(WireFormat.encode(bridge.append(AuditTrails.entry(9))));
        values.add(WireFormat.encode(bridge.append(AuditTrails.entry(10))));
        return values;
    }

    @Test
    void aSignedBreakAccountsForTheDamageBeforeItAndVerificationResumesAtIt() throws GeneralSecurityException {
        AuditVerification result = verifier.verifyEncoded(brokenAndBridged(keys));
        assertThat(result.ok()).as(String.valueOf(result)).isTrue();
        assertThat(result.events()).as("8 + the break + 2").isEqualTo(11);
        assertThat(result.lastSignedSequence()).isEqualTo(8L);
        assertThat(result.breaks()).singleElement().satisfies(b -> {
            assertThat(b.sequence()).isEqualTo(8);
            assertThat(b.reason()).isEqualTo("the last record does not decode");
            assertThat(b.problem()).isEqualTo(AuditProblem.UNDECODABLE);
        });
    }

    @Test
    void aBreakSignedWithAnotherKeyOrReplayedAccountsForNothing() throws GeneralSecurityException {
        AuditVerification forged = verifier.verifyEncoded(brokenAndBridged(otherKeys));
        assertThat(forged.ok()).isFalse();
        assertThat(forged.firstBadEvent()).isEqualTo(8);
        assertThat(forged.problem()).isEqualTo(AuditProblem.UNDECODABLE);
        assertThat(forged.breaks()).isEmpty();

        // A valid break copied to the end again: its sequence is below what follows it, so it is a replay.
        List<byte[]> replayed = brokenAndBridged(keys);
        replayed.add(replayed.get(9).clone());
        AuditVerification result = verifier.verifyEncoded(replayed);
        assertThat(result.ok()).isFalse();
        assertThat(result.firstBadSequence()).isEqualTo(8L);
        assertThat(result.problem()).isEqualTo(AuditProblem.OUT_OF_ORDER);
        assertThat(result.breaks()).hasSize(1);
    }

    @Test
    void resumingAfterAVerifiedCheckpointEndsAsAFullVerificationDoes() {
        AuditVerifier.Run first = verifier.start();
        AuditTrails.copy(trail.subList(0, 12)).forEach(first::add);
        assertThat(first.finish().ok()).isTrue();
        AuditCheckpoint checkpoint = first.lastCheckpoint();
        assertThat(checkpoint.sequence()).isEqualTo(9);
        assertThat(checkpoint.events()).isEqualTo(10);

        AuditVerifier.Run resumed = verifier.resume(checkpoint);
        AuditTrails.copy(trail.subList(10, EVENTS)).forEach(resumed::add);
        assertThat(resumed.finish()).isEqualTo(verifier.verify(AuditTrails.copy(trail)));

        // An event altered after the checkpoint is still found, at its position in the whole trail.
        List<AuditEvent> rest = AuditTrails.copy(trail.subList(10, EVENTS));
        rest.get(3).setActor("someone else");
        AuditVerifier.Run tampered = verifier.resume(checkpoint);
        rest.forEach(tampered::add);
        AuditVerification result = tampered.finish();
        assertThat(result.firstBadEvent()).isEqualTo(13);
        assertThat(result.problem()).isEqualTo(AuditProblem.HASH_MISMATCH);
    }

    private static ByteBuffer flipped(ByteBuffer buffer) {
        byte[] bytes = AuditCanonicalForm.bytesOf(buffer);
        bytes[bytes.length / 2] ^= 1;
        return ByteBuffer.wrap(bytes);
    }
}
