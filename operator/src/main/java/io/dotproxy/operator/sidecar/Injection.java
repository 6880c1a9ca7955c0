package io.dotproxy.operator.sidecar;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;

/**
 * What the webhook answers for one pod: always "allowed", with a JSON patch when the proxy is injected,
 * and warnings that kubectl shows to the user.
 */
public record Injection(Outcome outcome, Optional<JsonNode> patch, List<String> warnings) {

  public Injection {
    warnings = List.copyOf(warnings);
  }

  static Injection skipped(Outcome outcome, String... warnings) {
    return new Injection(outcome, Optional.empty(), List.of(warnings));
  }

  /** Why a pod was or was not injected; also the {@code outcome} label of the webhook's metric. */
  public enum Outcome {
    INJECTED,
    /** Not a pod CREATE (the webhook configuration should not send these). */
    NOT_APPLICABLE,
    /** No {@code dotproxy.io/proxy} label (the objectSelector should have filtered it out). */
    NOT_LABELLED,
    EXCLUDED_NAMESPACE,
    OPTED_OUT,
    ALREADY_INJECTED,
    HOST_NETWORK,
    PROXY_NOT_FOUND,
    NOT_SIDECAR_MODE,
    /** The proxy's stored spec cannot be read, so its mode and settings are unknown. */
    UNREADABLE_PROXY,
    /** The pod has something the proxy would clash with (a container name, a port, a volume, a sysctl). */
    CONFLICT;

    public String label() {
      return name().toLowerCase();
    }
  }
}
