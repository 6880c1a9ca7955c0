package io.dotproxy.operator.coredns;

import io.dotproxy.operator.model.CoreDnsState;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where CoreDNS's use of one fleet stands, and what to write next: a small state machine over what the
 * operator sees now and what it reported last. A pure function; the caller writes the Corefile.
 *
 * <pre>
 *   Disabled ──wanted──► Pending ──a ready proxy wherever CoreDNS runs──► Patched
 *      ▲                                                                    │ not wanted (patch off,
 *      └──────────── the grace period has passed ◄──── Reverting ◄──────────┘ Sidecar mode, deleted)
 * </pre>
 *
 * <p>Reverting is the point of it: CoreDNS reads a reverted Corefile only after the kubelet has synced
 * its ConfigMap volume (up to about a minute) and its {@code reload} plugin has fired (30 s ± 15 s).
 * Until then it still forwards to the fleet, so the fleet must outlive its block by that long
 * ({@link #fleetInUse()}): its deletion, or its removal on a switch to Sidecar mode, waits.
 *
 * @param state what status.coreDNS.state reports
 * @param message what status.coreDNS.message reports
 * @param newCorefile the Corefile to write, when it must change
 * @param since when {@code state} was entered (status.coreDNS.lastTransitionTime)
 * @param fleetInUse CoreDNS may still forward to the fleet, which must therefore stay
 * @param recheckIn when to look again without any event (the end of a grace period, or polling a
 *     switch-over that waits for readiness nobody watches)
 */
public record CoreDnsSwitch(
    CoreDnsState state,
    String message,
    Optional<String> newCorefile,
    Instant since,
    boolean fleetInUse,
    Optional<Duration> recheckIn) {

  /** A switch-over waiting for proxies to be ready where CoreDNS runs looks again this often. */
  static final Duration PENDING_RECHECK = Duration.ofSeconds(5);

  /**
   * What the operator sees.
   *
   * @param corefile the current Corefile, empty if the ConfigMap or its key is missing
   * @param wanted DaemonSet mode, spec.coreDNS.patch, and the proxy is not being deleted
   * @param forwardTo the fleet Service's cluster IP, once it has one
   * @param notReadyWhereCoreDnsRuns why CoreDNS may not be switched to the fleet yet (empty: it may);
   *     asked only before the first switch, as it costs API reads
   * @param obstacle why a patch would not last or not take effect (see {@link CorefileManager},
   *     {@link NodeLocalDnsCache}); nothing is written then
   * @param previousState the state last reported, {@link CoreDnsState#DISABLED} if none
   * @param previousSince when that state was entered, if known
   * @param releaseGrace how long the fleet outlives its block
   */
  public record Facts(
      CoreDnsLocation location,
      Optional<String> corefile,
      BlockOwner owner,
      boolean wanted,
      Optional<String> forwardTo,
      Supplier<Optional<String>> notReadyWhereCoreDnsRuns,
      Optional<String> obstacle,
      CoreDnsState previousState,
      Optional<Instant> previousSince,
      Instant now,
      Duration releaseGrace) {}

  public static CoreDnsSwitch decide(Facts f) {
    boolean inCorefile = f.corefile().map(c -> CorefilePatcher.owners(c).contains(f.owner())).orElse(false);
    return f.wanted() ? switchOver(f, inCorefile) : release(f, inCorefile);
  }

  private static CoreDnsSwitch switchOver(Facts f, boolean inCorefile) {
    if (f.corefile().isEmpty()) {
      return next(f, CoreDnsState.REFUSED, "ConfigMap " + f.location() + " with a Corefile key not found", Optional.empty());
    }
    if (f.obstacle().isPresent()) {
      return next(f, CoreDnsState.REFUSED, f.obstacle().get() + (inCorefile
          ? " (this proxy's block, already in the Corefile, is removed when the patch is turned off or the proxy deleted)"
          : ""), Optional.empty());
    }
    if (f.forwardTo().isEmpty()) {
      return inCorefile
          ? next(f, CoreDnsState.PATCHED, "the default zone forwards to this fleet", Optional.empty())
          : pending(f, "waiting for the fleet's Service to get a cluster IP");
    }
    if (!inCorefile) {
      // Once switched, CoreDNS stays switched while the fleet rolls or recovers: flapping cluster DNS
      // between two resolvers would be worse than a brief partial outage.
      Optional<String> notReady = f.notReadyWhereCoreDnsRuns().get();
      if (notReady.isPresent()) {
        return pending(f, notReady.get());
      }
    }
    PatchOutcome outcome = CorefilePatcher.patch(f.corefile().get(), f.owner(), f.forwardTo().get());
    if (outcome instanceof PatchOutcome.Refused refused) {
      return next(f, CoreDnsState.REFUSED, refused.reason(), Optional.empty());
    }
    String patched = ((PatchOutcome.Patched) outcome).corefile();
    return next(f, CoreDnsState.PATCHED, "the default zone forwards to this fleet at " + f.forwardTo().get(),
        patched.equals(f.corefile().get()) ? Optional.empty() : Optional.of(patched));
  }

  private static CoreDnsSwitch release(Facts f, boolean inCorefile) {
    if (inCorefile) {
      String reverted;
      try {
        reverted = CorefilePatcher.revert(f.corefile().get(), f.owner());
      } catch (CorefileNotUnderstoodException e) {
        // Someone edited our block out of shape: leave it to them, and keep the fleet CoreDNS points at.
        return new CoreDnsSwitch(CoreDnsState.REFUSED, "cannot remove this proxy's block from " + f.location() + ": "
            + e.getMessage() + "; remove it by hand", Optional.empty(), since(f, CoreDnsState.REFUSED), true,
            Optional.of(f.releaseGrace()));
      }
      return reverting(f, f.now(), Optional.of(reverted));
    }
    if (f.previousState() == CoreDnsState.PATCHED || f.previousState() == CoreDnsState.REVERTING) {
      // The block is gone (reverted by us, or by someone else since the last look): CoreDNS may
      // forward to the fleet until it has reloaded. A revert we did not see starts its grace now.
      Instant revertedAt = f.previousState() == CoreDnsState.REVERTING ? f.previousSince().orElse(f.now()) : f.now();
      if (f.now().isBefore(revertedAt.plus(f.releaseGrace()))) {
        return reverting(f, revertedAt, Optional.empty());
      }
    }
    return new CoreDnsSwitch(CoreDnsState.DISABLED, null, Optional.empty(), since(f, CoreDnsState.DISABLED), false,
        Optional.empty());
  }

  private static CoreDnsSwitch reverting(Facts f, Instant revertedAt, Optional<String> newCorefile) {
    Instant releasedAt = revertedAt.plus(f.releaseGrace());
    return new CoreDnsSwitch(CoreDnsState.REVERTING,
        "the default zone no longer forwards to this fleet; it is kept until " + releasedAt
            + ", when CoreDNS has reloaded its Corefile (--coredns-release-grace " + f.releaseGrace().toSeconds() + "s)",
        newCorefile, revertedAt, true, Optional.of(Duration.between(f.now(), releasedAt)));
  }

  private static CoreDnsSwitch pending(Facts f, String why) {
    return new CoreDnsSwitch(CoreDnsState.PENDING, why, Optional.empty(), since(f, CoreDnsState.PENDING), false,
        Optional.of(PENDING_RECHECK));
  }

  private static CoreDnsSwitch next(Facts f, CoreDnsState state, String message, Optional<String> newCorefile) {
    return new CoreDnsSwitch(state, message, newCorefile, since(f, state), state == CoreDnsState.PATCHED, Optional.empty());
  }

  private static Instant since(Facts f, CoreDnsState state) {
    return state == f.previousState() ? f.previousSince().orElse(f.now()) : f.now();
  }
}
