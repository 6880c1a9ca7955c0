package io.dotproxy.operator.status;

/** The condition types of a DnsOverTlsProxy (CONVENTIONS.md). */
public final class ConditionTypes {

  public static final String READY = "Ready";
  public static final String PROGRESSING = "Progressing";
  public static final String DEGRADED = "Degraded";

  private ConditionTypes() {}
}
