package io.dotproxy.operator.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dotproxy.operator.sidecar.Injection;
import io.dotproxy.operator.sidecar.PodInjector;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.dotproxy.operator.events.EventRecorder;
import io.dotproxy.operator.events.ProxyEvents;
import io.dotproxy.operator.sidecar.ProxyLookup;
import io.dotproxy.operator.sidecar.SidecarLabels;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers an {@code admission.k8s.io/v1} AdmissionReview for a pod CREATE.
 *
 * <p>The answer always allows the pod: either with a JSON patch that adds the proxy, or unchanged with
 * warnings saying why not (kubectl prints them). Refusing a pod is never the webhook's business.
 */
final class AdmissionReviewHandler {

  private static final Logger log = LoggerFactory.getLogger(AdmissionReviewHandler.class);
  private static final ObjectMapper MAPPER = Serialization.jsonMapper();
  static final String API_VERSION = "admission.k8s.io/v1";

  /** Skips a user would want to know about, logged at info; the rest at debug. */
  /** Pods left without the proxy of a DnsOverTlsProxy that exists: they get an InjectionSkipped Event on it. */
  private static final Set<Injection.Outcome> SKIPPED_ON_A_PROXY = Set.of(
      Injection.Outcome.NOT_SIDECAR_MODE, Injection.Outcome.UNREADABLE_PROXY, Injection.Outcome.CONFLICT,
      Injection.Outcome.HOST_NETWORK);

  private static final Set<Injection.Outcome> NOTEWORTHY = Set.of(
      Injection.Outcome.PROXY_NOT_FOUND, Injection.Outcome.NOT_SIDECAR_MODE, Injection.Outcome.UNREADABLE_PROXY,
      Injection.Outcome.CONFLICT,
      Injection.Outcome.HOST_NETWORK, Injection.Outcome.EXCLUDED_NAMESPACE);

  private final PodInjector injector;
  private final MeterRegistry registry;
  private final ProxyLookup proxies;
  private final ProxyEvents events;
  private final Timer duration;

  AdmissionReviewHandler(PodInjector injector, MeterRegistry registry) {
    this(injector, registry, (namespace, name) -> Optional.empty(), new ProxyEvents(EventRecorder.none()));
  }

  /**
   * @param proxies where the DnsOverTlsProxy a skipped pod asked for is found, to record the
   *     InjectionSkipped Event on it
   */
  AdmissionReviewHandler(PodInjector injector, MeterRegistry registry, ProxyLookup proxies, ProxyEvents events) {
    this.injector = injector;
    this.registry = registry;
    this.proxies = proxies;
    this.events = events;
    this.duration = Timer.builder("dotproxy.webhook.admission.duration")
        .description("Time to answer an admission request, from parsed body to encoded answer")
        .register(registry);
  }

  byte[] handle(byte[] body) throws BadAdmissionRequest {
    long start = System.nanoTime();
    JsonNode review;
    try {
      review = MAPPER.readTree(body);
    } catch (IOException e) {
      throw new BadAdmissionRequest("the body is not JSON: " + e.getMessage());
    }
    if (review == null || !review.isObject() || !API_VERSION.equals(text(review, "apiVersion"))
        || !"AdmissionReview".equals(text(review, "kind"))) {
      throw new BadAdmissionRequest("expected an " + API_VERSION + " AdmissionReview");
    }
    JsonNode request = review.get("request");
    if (request == null || !request.isObject() || text(request, "uid").isEmpty()) {
      throw new BadAdmissionRequest("the AdmissionReview has no request.uid");
    }
    Injection injection;
    String pod = "";
    String namespace = "";
    String proxyName = "";
    if (isPodCreate(request)) {
      if (!(request.get("object") instanceof ObjectNode object)) {
        throw new BadAdmissionRequest("the AdmissionReview has no request.object");
      }
      namespace = text(request, "namespace");
      if (namespace.isEmpty()) {
        namespace = text(object.path("metadata"), "namespace");
      }
      pod = namespace + "/" + podName(object);
      proxyName = text(object.path("metadata").path("labels"), SidecarLabels.PROXY);
      try {
        injection = injector.admit(namespace, object);
      } catch (IllegalArgumentException e) {
        throw new BadAdmissionRequest(e.getMessage());
      }
    } else {
      injection = new Injection(Injection.Outcome.NOT_APPLICABLE, Optional.empty(), List.of());
    }
    byte[] answer = answer(text(request, "uid"), injection);
    registry.counter("dotproxy.webhook.admissions", "outcome", injection.outcome().label()).increment();
    duration.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    logOutcome(pod, injection);
    if (SKIPPED_ON_A_PROXY.contains(injection.outcome())) {
      String skippedPod = pod;
      proxies.find(namespace, proxyName).ifPresent(proxy -> events.injectionSkipped(proxy, skippedPod,
          injection.warnings().isEmpty() ? injection.outcome().label() : String.join("; ", injection.warnings())));
    }
    return answer;
  }

  private byte[] answer(String uid, Injection injection) {
    ObjectNode review = MAPPER.createObjectNode().put("apiVersion", API_VERSION).put("kind", "AdmissionReview");
    ObjectNode response = review.putObject("response").put("uid", uid).put("allowed", true);
    injection.patch().ifPresent(patch -> response
        .put("patchType", "JSONPatch")
        .put("patch", Base64.getEncoder().encodeToString(patch.toString().getBytes(StandardCharsets.UTF_8))));
    if (!injection.warnings().isEmpty()) {
      var warnings = response.putArray("warnings");
      injection.warnings().forEach(warnings::add);
    }
    try {
      return MAPPER.writeValueAsBytes(review);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode the AdmissionReview answer", e);
    }
  }

  private void logOutcome(String pod, Injection injection) {
    if (injection.outcome() == Injection.Outcome.INJECTED) {
      log.info("injected the proxy into pod {} as a {}{}", pod,
          injector.nativeSidecars() ? "native sidecar" : "container",
          injection.warnings().isEmpty() ? "" : "; " + String.join("; ", injection.warnings()));
    } else if (NOTEWORTHY.contains(injection.outcome())) {
      log.info("pod {} left unchanged ({}): {}", pod, injection.outcome().label(), String.join("; ", injection.warnings()));
    } else if (log.isDebugEnabled()) {
      log.debug("pod {} left unchanged ({})", pod, injection.outcome().label());
    }
  }

  /** Only a pod CREATE (not a subresource such as pods/binding) is injected. */
  private static boolean isPodCreate(JsonNode request) {
    JsonNode kind = request.path("kind");
    return "CREATE".equals(text(request, "operation"))
        && "Pod".equals(text(kind, "kind")) && text(kind, "group").isEmpty()
        && text(request, "subResource").isEmpty();
  }

  /** Pods made by controllers have only generateName when they are admitted. */
  private static String podName(JsonNode pod) {
    String name = text(pod.path("metadata"), "name");
    return name.isEmpty() ? text(pod.path("metadata"), "generateName") + "*" : name;
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? "" : value.asText();
  }
}
