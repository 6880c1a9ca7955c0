package io.dotproxy.operator.webhook.tls;

import java.time.Duration;

/**
 * How long the operator's own webhook certificates live and when they are renewed (operator mode).
 *
 * @param caValidity lifetime of a new CA
 * @param caRenewBefore a CA with less than this left is replaced; the old one stays in the caBundle until
 *     it expires, so certificates it signed keep working during the change-over
 * @param servingValidity lifetime of a serving certificate
 * @param servingRenewBefore a serving certificate with less than this left is reissued
 */
public record CertificateLifetimes(
    Duration caValidity, Duration caRenewBefore, Duration servingValidity, Duration servingRenewBefore) {

  public static final CertificateLifetimes DEFAULTS = new CertificateLifetimes(
      Duration.ofDays(3650), Duration.ofDays(365), Duration.ofDays(365), Duration.ofDays(122));

  public CertificateLifetimes {
    // A CA is always replaced while it still outlives any serving certificate it may sign, so a serving
    // certificate gets its full lifetime and is never clipped into renewal at once.
    if (caRenewBefore.compareTo(servingValidity) < 0 || servingRenewBefore.compareTo(servingValidity) >= 0
        || caRenewBefore.compareTo(caValidity) >= 0) {
      throw new IllegalArgumentException("inconsistent certificate lifetimes: " + this);
    }
  }
}
