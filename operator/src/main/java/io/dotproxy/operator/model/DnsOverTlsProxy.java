package io.dotproxy.operator.model;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A fleet of DNS-to-DNS-over-TLS proxies, or (Sidecar mode) the configuration injected sidecars use. */
@Group(DnsOverTlsProxy.GROUP)
@Version(DnsOverTlsProxy.VERSION)
@Kind("DnsOverTlsProxy")
@Plural("dnsovertlsproxies")
@ShortNames("dotp")
// `kubectl get dotp` shows these in this order (PrinterColumnOrder puts the generated CRD's columns in
// it: the generator sorts them by JSON path); -o wide adds the priority-1 columns.
@AdditionalPrinterColumn(name = "Mode", jsonPath = ".spec.mode")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.proxies")
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason")
@AdditionalPrinterColumn(name = "CoreDNS", jsonPath = ".status.coreDNS.state")
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(
    name = "Updated",
    jsonPath = ".status.updatedProxies",
    type = AdditionalPrinterColumn.Type.INTEGER,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Uninjected",
    jsonPath = ".status.uninjectedPods",
    type = AdditionalPrinterColumn.Type.INTEGER,
    priority = 1)
@AdditionalPrinterColumn(name = "Message", jsonPath = ".status.conditions[?(@.type==\"Ready\")].message", priority = 1)
@SchemaCustomizer(value = NameRules.class, input = "")
public class DnsOverTlsProxy extends CustomResource<DnsOverTlsProxySpec, DnsOverTlsProxyStatus>
    implements Namespaced {

  public static final String GROUP = "dotproxy.io";
  public static final String VERSION = "v1alpha1";

  /** The operator names its Service "dotproxy-<name>", which must be a DNS label of at most 63 characters. */
  static final int MAX_NAME_LENGTH = 54;
  static final String NAME_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
  static final String NAME_MESSAGE = "must be a DNS label of at most " + MAX_NAME_LENGTH
      + " characters (lower-case letters, digits and '-', no '.'): the operator names its Service dotproxy-<name>";

  /** A stored object without a spec reads as one that says so, never as null. */
  @Override
  protected DnsOverTlsProxySpec initSpec() {
    return UnreadableSpec.missing();
  }
}
