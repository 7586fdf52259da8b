package io.biostream.api.identity;

import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.identity.Candidate;
import io.biostream.operators.identity.Enrollments;
import io.biostream.operators.identity.Gallery;
import io.biostream.operators.identity.GalleryMatcher;
import io.biostream.operators.identity.IdentityLedger;
import io.biostream.schemas.EncryptedTemplate;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's gallery for photo search: the enrolled templates of the ledger, opened with the
 * template keyset and kept in a {@link Gallery} in memory, following the ledger (enrollments add,
 * erasures remove). Descriptors exist in clear only here; a template that does not open is left
 * out and logged (never its content).
 */
public final class SearchGallery implements IdentityLedger.Listener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SearchGallery.class);

    private final TemplateCipher cipher;
    private final String modelId;
    private final Gallery gallery = new Gallery();
    private final GalleryMatcher matcher = new GalleryMatcher(gallery);

    /** @param modelId the descriptor model of the API's pipeline; templates of another model are left out */
    public SearchGallery(TemplateCipher cipher, String modelId) {
        this.cipher = cipher;
        this.modelId = modelId;
    }

    /** A gallery that follows {@code ledger}, starting with what it holds now. */
    public static SearchGallery following(IdentityLedger ledger, TemplateCipher cipher, String modelId) {
        SearchGallery gallery = new SearchGallery(cipher, modelId);
        ledger.subscribe(gallery);
        return gallery;
    }

    @Override
    public void templateEnrolled(String subjectId, EncryptedTemplate template) {
        if (!modelId.equals(template.getModel())) {
            LOG.error("template {} left out of the search gallery: made by model '{}', the API describes with '{}'",
                    template.getFaceId(), template.getModel(), modelId);
            return;
        }
        if (!Enrollments.boundTo(template.getAssociatedData(), subjectId)) {
            LOG.error("template {} left out of the search gallery: not sealed for subject {}", template.getFaceId(), subjectId);
            return;
        }
        float[] descriptor;
        try {
            descriptor = cipher.open(template);
        } catch (GeneralSecurityException e) {
            LOG.error("template {} left out of the search gallery: it does not open with the API's keyset (key {})",
                    template.getFaceId(), template.getKeyId());
            return;
        }
        try {
            gallery.remove(template.getFaceId());
            gallery.add(subjectId, template.getFaceId(), descriptor);
        } catch (IllegalArgumentException e) {
            LOG.error("template {} left out of the search gallery: {}", template.getFaceId(), e.getMessage());
        } finally {
            Arrays.fill(descriptor, 0f); // the gallery keeps its own copy
        }
    }

    @Override
    public void subjectErased(String subjectId) {
        int removed = gallery.removeSubject(subjectId);
        LOG.info("subject erased: {} templates removed from the search gallery", removed);
    }

    /** The k nearest subjects of the probe, nearest first (fewer when fewer are enrolled). */
    public List<Candidate> nearest(float[] probe, int k) {
        if (gallery.size() == 0) {
            return List.of();
        }
        return matcher.topK(new float[][] {probe}, k).get(0);
    }

    /** Number of templates searched. */
    public int size() {
        return gallery.size();
    }

    @Override
    public void close() {
        gallery.close();
    }
}
