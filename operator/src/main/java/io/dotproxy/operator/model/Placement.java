package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/** Which nodes run a proxy (DaemonSet mode). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Placement {

  @JsonPropertyDescription("Node labels a node must have to run a proxy.")
  private Map<String, String> nodeSelector;

  @JsonPropertyDescription(
      "Taints the proxies tolerate. Unset means every NoSchedule and NoExecute taint, so that CoreDNS "
          + "pods on tainted nodes still have a proxy on their node.")
  private List<Toleration> tolerations;

  @JsonPropertyDescription("Pod affinity rules for the proxies.")
  private Affinity affinity;

  @JsonPropertyDescription("PriorityClass of the proxy pods. Unset: system-node-critical, or none where the API server"
      + " refuses it in this namespace (see status.priorityClass). An empty string: none. Any other: exactly that class.")
  private String priorityClassName;

  public Map<String, String> getNodeSelector() {
    return nodeSelector;
  }

  public void setNodeSelector(Map<String, String> nodeSelector) {
    this.nodeSelector = nodeSelector;
  }

  public List<Toleration> getTolerations() {
    return tolerations;
  }

  public void setTolerations(List<Toleration> tolerations) {
    this.tolerations = tolerations;
  }

  public Affinity getAffinity() {
    return affinity;
  }

  public void setAffinity(Affinity affinity) {
    this.affinity = affinity;
  }

  public String getPriorityClassName() {
    return priorityClassName;
  }

  public void setPriorityClassName(String priorityClassName) {
    this.priorityClassName = priorityClassName;
  }
}
