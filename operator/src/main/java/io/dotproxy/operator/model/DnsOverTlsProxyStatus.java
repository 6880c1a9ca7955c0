package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** What `kubectl get dotp` and health checks (e.g. ArgoCD) read. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DnsOverTlsProxyStatus {

  @JsonPropertyDescription("The metadata.generation of the spec this status describes.")
  private Long observedGeneration;
  @JsonPropertyDescription("Ready, Progressing and Degraded, each with a reason, a message and its own"
      + " observedGeneration (docs/reference/status.md).")
  private List<Condition> conditions = new ArrayList<>();
  @JsonPropertyDescription("DaemonSet mode: nodes that should run a proxy (the DaemonSet's desiredNumberScheduled).")
  private Integer desiredProxies;
  @JsonPropertyDescription("DaemonSet mode: proxies that are ready (the DaemonSet's numberReady).")
  private Integer readyProxies;
  @JsonPropertyDescription("DaemonSet mode: proxies that run the current pod template (updatedNumberScheduled).")
  private Integer updatedProxies;

  @JsonPropertyDescription("READY/WANTED, what `kubectl get dotp` shows as Ready: DaemonSet mode, ready proxies of those"
      + " the fleet should run; Sidecar mode, pods running the injected proxy of the pods labelled for it.")
  private String proxies;

  @JsonPropertyDescription("Sidecar mode: pods of this proxy that carry an injected sidecar and have not finished.")
  private Integer injectedPods;

  @JsonPropertyDescription("Sidecar mode: pods labelled for this proxy that run without it (created while the webhook"
      + " was unreachable, or skipped by it) and did not opt out; they need re-creating to get the proxy.")
  private Integer uninjectedPods;

  @JsonProperty("coreDNS")
  @JsonPropertyDescription("The CoreDNS patch (spec.coreDNS.patch).")
  private CoreDnsStatus coreDNS;

  @JsonPropertyDescription("DaemonSet mode: the PriorityClass of the proxies' pods.")
  private PriorityClassStatus priorityClass;

  public Optional<Condition> condition(String type) {
    return conditions == null
        ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public Integer getDesiredProxies() {
    return desiredProxies;
  }

  public void setDesiredProxies(Integer desiredProxies) {
    this.desiredProxies = desiredProxies;
  }

  public Integer getReadyProxies() {
    return readyProxies;
  }

  public void setReadyProxies(Integer readyProxies) {
    this.readyProxies = readyProxies;
  }

  public String getProxies() {
    return proxies;
  }

  public void setProxies(String proxies) {
    this.proxies = proxies;
  }

  public Integer getUpdatedProxies() {
    return updatedProxies;
  }

  public void setUpdatedProxies(Integer updatedProxies) {
    this.updatedProxies = updatedProxies;
  }

  public Integer getInjectedPods() {
    return injectedPods;
  }

  public void setInjectedPods(Integer injectedPods) {
    this.injectedPods = injectedPods;
  }

  public Integer getUninjectedPods() {
    return uninjectedPods;
  }

  public void setUninjectedPods(Integer uninjectedPods) {
    this.uninjectedPods = uninjectedPods;
  }

  public CoreDnsStatus getCoreDNS() {
    return coreDNS;
  }

  public void setCoreDNS(CoreDnsStatus coreDNS) {
    this.coreDNS = coreDNS;
  }

  public PriorityClassStatus getPriorityClass() {
    return priorityClass;
  }

  public void setPriorityClass(PriorityClassStatus priorityClass) {
    this.priorityClass = priorityClass;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DnsOverTlsProxyStatus other
        && Objects.equals(observedGeneration, other.observedGeneration)
        && Objects.equals(conditions, other.conditions)
        && Objects.equals(desiredProxies, other.desiredProxies)
        && Objects.equals(readyProxies, other.readyProxies)
        && Objects.equals(updatedProxies, other.updatedProxies)
        && Objects.equals(proxies, other.proxies)
        && Objects.equals(injectedPods, other.injectedPods)
        && Objects.equals(uninjectedPods, other.uninjectedPods)
        && Objects.equals(coreDNS, other.coreDNS)
        && Objects.equals(priorityClass, other.priorityClass);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, conditions, desiredProxies, readyProxies, updatedProxies, proxies, injectedPods, uninjectedPods,
        coreDNS, priorityClass);
  }
}
