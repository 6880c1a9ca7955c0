package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.Optional;

/**
 * A stored spec the operator cannot read into a {@link DnsOverTlsProxySpec}: a value of the wrong type,
 * a mode, policy or action this version does not know (a CRD from a newer release, or one applied
 * without its schema), or no spec at all.
 *
 * <p>Reading must not fail: the informers that watch DnsOverTlsProxies stop on the first object they
 * cannot read, and JOSDK then ends the process, so one bad object would put the operator into a crash
 * loop and leave every other proxy unmanaged. Instead such a spec is read as this, which
 * {@link SpecProblems} reports and nothing applies.
 *
 * <p>It is written back exactly as stored, so that copies of the resource (JOSDK clones each one it
 * reconciles through JSON) stay unreadable instead of turning into a default spec. Its setters have no
 * effect on what is written.
 */
final class UnreadableSpec extends DnsOverTlsProxySpec {

  private final JsonNode stored;
  private final String problem;

  UnreadableSpec(JsonNode stored, String problem) {
    this.stored = stored;
    this.problem = problem;
  }

  static UnreadableSpec missing() {
    return new UnreadableSpec(NullNode.getInstance(), "spec is required");
  }

  @JsonValue
  JsonNode stored() {
    return stored;
  }

  @Override
  public Optional<String> unreadable() {
    return Optional.of(problem);
  }
}
