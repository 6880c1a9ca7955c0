package io.dotproxy.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * AdmissionReview requests shaped like the ones kube-apiserver sends (captured shape, v1.30), and their
 * answers decoded.
 */
public final class AdmissionReviews {

  private static final ObjectMapper MAPPER = Serialization.jsonMapper();

  private AdmissionReviews() {}

  /** A review from src/test/resources/admission, with a fresh request uid. */
  public static ObjectNode load(String name) {
    try (InputStream in = AdmissionReviews.class.getResourceAsStream("/admission/" + name)) {
      ObjectNode review = (ObjectNode) MAPPER.readTree(in);
      ((ObjectNode) review.get("request")).put("uid", UUID.randomUUID().toString());
      return review;
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("cannot read admission fixture " + name, e);
    }
  }

  public static ObjectNode request(ObjectNode review) {
    return (ObjectNode) review.get("request");
  }

  public static ObjectNode pod(ObjectNode review) {
    return (ObjectNode) request(review).get("object");
  }

  /** Moves a review (request namespace and the pod's metadata.namespace) to another namespace. */
  public static ObjectNode inNamespace(ObjectNode review, String namespace) {
    request(review).put("namespace", namespace);
    ((ObjectNode) pod(review).get("metadata")).put("namespace", namespace);
    return review;
  }

  /** The pod as the API server sent it. */
  public static Pod originalPod(ObjectNode review) {
    try {
      return MAPPER.treeToValue(pod(review), Pod.class);
    } catch (IOException e) {
      throw new AssertionError("the fixture's object is not a pod", e);
    }
  }

  public static byte[] bytes(ObjectNode review) {
    return review.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A decoded AdmissionReview answer. */
  public record Answer(JsonNode review) {

    public static Answer parse(String body) {
      try {
        return new Answer(MAPPER.readTree(body));
      } catch (IOException e) {
        throw new AssertionError("the answer is not JSON: " + body, e);
      }
    }

    public JsonNode response() {
      return review.get("response");
    }

    public String uid() {
      return response().path("uid").asText();
    }

    public boolean allowed() {
      return response().path("allowed").asBoolean(false);
    }

    public Optional<JsonNode> patch() {
      JsonNode patch = response().get("patch");
      if (patch == null) {
        return Optional.empty();
      }
      try {
        return Optional.of(MAPPER.readTree(Base64.getDecoder().decode(patch.asText())));
      } catch (IOException e) {
        throw new AssertionError("the patch is not JSON", e);
      }
    }

    public List<String> warnings() {
      List<String> warnings = new ArrayList<>();
      response().path("warnings").forEach(w -> warnings.add(w.asText()));
      return warnings;
    }

    /** The pod after the API server applied the patch (with the same library), as JSON. */
    public ObjectNode patchedJson(ObjectNode review) {
      JsonNode original = pod(review);
      return (ObjectNode) patch().map(p -> JsonPatch.apply(p, original)).orElse(original.deepCopy());
    }

    public Pod patchedPod(ObjectNode review) {
      try {
        return MAPPER.treeToValue(patchedJson(review), Pod.class);
      } catch (IOException e) {
        throw new AssertionError("the patched pod is not a pod", e);
      }
    }
  }
}
