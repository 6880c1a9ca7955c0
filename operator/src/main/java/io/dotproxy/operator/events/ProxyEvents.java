package io.dotproxy.operator.events;

import io.dotproxy.operator.model.CoreDnsState;
import io.dotproxy.operator.model.CoreDnsStatus;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.DnsOverTlsProxyStatus;
import io.dotproxy.operator.status.ConditionTypes;
import io.dotproxy.operator.status.StatusCalculator;
import io.fabric8.kubernetes.api.model.Condition;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.Optional;

/**
 * The Events a DnsOverTlsProxy gets when its status changes, for `kubectl describe dotp` and event
 * exporters: the fleet turning Ready or not (with the reason, InvalidSpec among them), turning Degraded,
 * and the CoreDNS patch being applied, reverted or refused; and, for Sidecar-mode proxies, pods left
 * without the proxy and the webhook's certificate being rotated. Only changes are recorded, so a
 * reconciliation that changes nothing records nothing.
 */
public final class ProxyEvents {

  public static final String COREDNS_PATCHED = "CoreDNSPatched";
  public static final String COREDNS_REVERTED = "CoreDNSReverted";
  public static final String COREDNS_PATCH_REFUSED = "CoreDNSPatchRefused";
  public static final String DEGRADED = "Degraded";
  public static final String INJECTION_SKIPPED = "InjectionSkipped";
  public static final String WEBHOOK_CERTIFICATE_ROTATED = "WebhookCertificateRotated";

  private final EventRecorder recorder;

  public ProxyEvents(EventRecorder recorder) {
    this.recorder = recorder;
  }

  /** Records what changed from {@code previous} (null for a new object) to {@code next}. */
  public void statusChanged(DnsOverTlsProxy proxy, DnsOverTlsProxyStatus previous, DnsOverTlsProxyStatus next) {
    Optional<Condition> wasReady = condition(previous, ConditionTypes.READY);
    Optional<Condition> ready = next.condition(ConditionTypes.READY);
    if (ready.isPresent() && changed(wasReady, ready.get())) {
      Condition c = ready.get();
      if ("True".equals(c.getStatus())) {
        recorder.normal(proxy, c.getReason(), c.getMessage());
      } else if (!"ConfigNotRendered".equals(c.getReason()) // the first moments of every new proxy
          && !COREDNS_PATCH_REFUSED.equals(c.getReason())) { // recorded as the CoreDNS patch's
        recorder.warning(proxy, c.getReason(), c.getMessage());
      }
    }
    Optional<Condition> degraded = next.condition(ConditionTypes.DEGRADED);
    if (degraded.isPresent() && "True".equals(degraded.get().getStatus())
        && changed(condition(previous, ConditionTypes.DEGRADED), degraded.get())
        // said already by Ready, or as the CoreDNS patch's
        && !StatusCalculator.INVALID_SPEC.equals(degraded.get().getReason())
        && !COREDNS_PATCH_REFUSED.equals(degraded.get().getReason())) {
      recorder.warning(proxy, DEGRADED, degraded.get().getReason() + ": " + degraded.get().getMessage());
    }
    coreDnsChanged(proxy, previous == null ? null : previous.getCoreDNS(), next.getCoreDNS());
  }

  /** The webhook left a pod labelled for {@code proxy} without the proxy. */
  public void injectionSkipped(DnsOverTlsProxy proxy, String pod, String why) {
    recorder.warning(proxy, INJECTION_SKIPPED, "pod " + pod + " was created without the proxy: " + why);
  }

  /**
   * The webhook that injects {@code proxy}'s sidecars presents a new serving certificate. Every replica
   * presents it, so the Event is named after the certificate's serial number and recorded once.
   */
  public void webhookCertificateRotated(DnsOverTlsProxy proxy, X509Certificate presented) {
    String serial = presented.getSerialNumber().toString(16);
    recorder.normalOncePerCluster(proxy, WEBHOOK_CERTIFICATE_ROTATED,
        "the sidecar injection webhook presents a new serving certificate (serial " + serial + ", valid until "
            + presented.getNotAfter().toInstant() + "); pods are injected as before",
        "webhook-certificate-" + (serial.length() > 32 ? serial.substring(0, 32) : serial));
  }

  private void coreDnsChanged(DnsOverTlsProxy proxy, CoreDnsStatus before, CoreDnsStatus now) {
    CoreDnsState was = before == null ? null : before.getState();
    if (now == null || now.getState() == was) {
      return;
    }
    switch (now.getState()) {
      case PATCHED -> recorder.normal(proxy, COREDNS_PATCHED, now.getMessage());
      case REFUSED -> recorder.warning(proxy, COREDNS_PATCH_REFUSED, now.getMessage());
      case DISABLED -> {
        if (was == CoreDnsState.REVERTING || was == CoreDnsState.PATCHED) {
          recorder.normal(proxy, COREDNS_REVERTED, Objects.requireNonNullElse(now.getMessage(),
              "CoreDNS no longer forwards to this fleet"));
        }
      }
      default -> { } // Pending and Reverting are steps on the way; Ready's reason tells of them
    }
  }

  private static Optional<Condition> condition(DnsOverTlsProxyStatus status, String type) {
    return status == null ? Optional.empty() : status.condition(type);
  }

  private static boolean changed(Optional<Condition> before, Condition now) {
    return before.isEmpty() || !Objects.equals(before.get().getStatus(), now.getStatus())
        || !Objects.equals(before.get().getReason(), now.getReason());
  }
}
