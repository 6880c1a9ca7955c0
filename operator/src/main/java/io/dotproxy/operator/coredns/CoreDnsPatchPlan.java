package io.dotproxy.operator.coredns;

import io.dotproxy.operator.model.CoreDnsState;
import java.util.Optional;

/**
 * What should happen to the Corefile for one DnsOverTlsProxy that wants the patch, and the state to
 * report. A pure function of what the operator currently sees.
 *
 * @param newCorefile the Corefile to write, when it differs from the current one
 */
public record CoreDnsPatchPlan(CoreDnsState state, String message, Optional<String> newCorefile) {

  /**
   * @param corefile the current Corefile, empty if the ConfigMap or its key is missing
   * @param forwardTo the fleet Service's cluster IP, once it has one
   * @param fleetReady whether every proxy of the fleet is ready; CoreDNS is first switched only to a
   *     ready fleet, but once switched it stays switched while the fleet rolls or recovers, because
   *     flapping cluster DNS between two resolvers would be worse than a brief partial outage
   * @param obstacle why the patch would not last or not take effect, whatever the Corefile says (see
   *     {@link CorefileManager}, {@link NodeLocalDnsCache}); nothing is written then. A block already in
   *     place stays: it is removed, as always, when the patch is turned off or the proxy deleted
   */
  public static CoreDnsPatchPlan of(CoreDnsLocation location, Optional<String> corefile, BlockOwner owner,
      Optional<String> forwardTo, boolean fleetReady, Optional<String> obstacle) {
    if (corefile.isEmpty()) {
      return refused("ConfigMap " + location + " with a Corefile key not found");
    }
    boolean alreadyOurs = CorefilePatcher.owners(corefile.get()).contains(owner);
    if (obstacle.isPresent()) {
      return refused(obstacle.get() + (alreadyOurs
          ? " (this proxy's block, already in the Corefile, is removed when the patch is turned off or the proxy deleted)"
          : ""));
    }
    if (forwardTo.isEmpty() || (!fleetReady && !alreadyOurs)) {
      return alreadyOurs
          ? new CoreDnsPatchPlan(CoreDnsState.PATCHED, "the default zone forwards to this fleet", Optional.empty())
          : new CoreDnsPatchPlan(
              CoreDnsState.PENDING, "waiting for every proxy to be ready before CoreDNS forwards to them", Optional.empty());
    }
    PatchOutcome outcome = CorefilePatcher.patch(corefile.get(), owner, forwardTo.get());
    if (outcome instanceof PatchOutcome.Refused refused) {
      return refused(refused.reason());
    }
    String patched = ((PatchOutcome.Patched) outcome).corefile();
    return new CoreDnsPatchPlan(
        CoreDnsState.PATCHED,
        "the default zone forwards to this fleet at " + forwardTo.get(),
        patched.equals(corefile.get()) ? Optional.empty() : Optional.of(patched));
  }

  private static CoreDnsPatchPlan refused(String message) {
    return new CoreDnsPatchPlan(CoreDnsState.REFUSED, message, Optional.empty());
  }
}
