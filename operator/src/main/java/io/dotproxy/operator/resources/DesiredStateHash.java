package io.dotproxy.operator.resources;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * A digest of what the operator rendered, kept in an annotation of the rendered object.
 *
 * <p>Comparing digests of our own rendering, rather than our rendering with what the API server returns,
 * means server-side defaults and normalisation (e.g. "0.5" CPU read back as "500m") never look like a
 * difference, so they can never cause an update loop.
 */
public final class DesiredStateHash {

  public static final String ANNOTATION = "dotproxy.io/desired-state-hash";

  private DesiredStateHash() {}

  /** Stamps the digest of everything but metadata.annotations onto the resource, and returns it. */
  public static <R extends HasMetadata> R stamp(R resource) {
    resource.getMetadata().getAnnotations().remove(ANNOTATION);
    String digest = digest(Serialization.asJson(resource));
    resource.getMetadata().getAnnotations().put(ANNOTATION, digest);
    return resource;
  }

  public static Optional<String> of(HasMetadata resource) {
    var annotations = resource.getMetadata().getAnnotations();
    return Optional.ofNullable(annotations == null ? null : annotations.get(ANNOTATION));
  }

  public static boolean same(HasMetadata actual, HasMetadata desired) {
    return of(desired).isPresent() && of(desired).equals(of(actual));
  }

  private static String digest(String json) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(json.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }
}
