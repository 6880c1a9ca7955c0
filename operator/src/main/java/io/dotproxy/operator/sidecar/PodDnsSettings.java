package io.dotproxy.operator.sidecar;

import io.fabric8.kubernetes.api.model.PodDNSConfig;
import io.fabric8.kubernetes.api.model.PodDNSConfigBuilder;
import io.fabric8.kubernetes.api.model.PodDNSConfigOption;
import io.fabric8.kubernetes.api.model.PodDNSConfigOptionBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The DNS settings of an injected pod: {@code dnsPolicy: None} and a dnsConfig that sends every query to
 * the sidecar on 127.0.0.1, with the search list and options the kubelet would have written.
 *
 * <p>For a pod on {@code ClusterFirst} (the default) the kubelet writes the namespace's search list
 * ({@code <ns>.svc.<domain> svc.<domain> <domain>}) and {@code ndots:5}, then merges the pod's own
 * dnsConfig: extra searches are appended (without duplicates) and options override by name. The same
 * is done here. The node's own search domains, which the kubelet would append, are unknown to the
 * webhook and left out.
 *
 * <p>The pod's own {@code dnsConfig.nameservers} are dropped: a second nameserver would be a plain-DNS
 * fallback around the encrypting proxy. Pods on {@code Default} or {@code None} keep their own searches
 * and options but get no cluster search list, as the kubelet would not have given them one.
 */
public final class PodDnsSettings {

  public static final String NAMESERVER = "127.0.0.1";
  public static final String POLICY = "None";

  private PodDnsSettings() {}

  /**
   * @param warnings what the user should hear about (dropped nameservers, a shortened search list)
   */
  public record Result(PodDNSConfig dnsConfig, List<String> warnings) {}

  public static Result of(
      String dnsPolicy, PodDNSConfig existing, String namespace, String clusterDomain, ClusterCapabilities limits) {
    List<String> warnings = new ArrayList<>();
    boolean clusterFirst = dnsPolicy == null || dnsPolicy.isEmpty()
        || dnsPolicy.equals("ClusterFirst") || dnsPolicy.equals("ClusterFirstWithHostNet");

    Set<String> searches = new LinkedHashSet<>();
    Map<String, PodDNSConfigOption> options = new LinkedHashMap<>();
    if (clusterFirst) {
      searches.add(namespace + ".svc." + clusterDomain);
      searches.add("svc." + clusterDomain);
      searches.add(clusterDomain);
      options.put("ndots", new PodDNSConfigOptionBuilder().withName("ndots").withValue("5").build());
    }
    if (existing != null) {
      if (existing.getSearches() != null) {
        existing.getSearches().stream().filter(Objects::nonNull).filter(s -> !s.isEmpty()).forEach(searches::add);
      }
      if (existing.getOptions() != null) {
        for (PodDNSConfigOption option : existing.getOptions()) {
          if (option != null && option.getName() != null) {
            options.remove(option.getName()); // a pod's option replaces ours and keeps its own place
            options.put(option.getName(), option);
          }
        }
      }
      List<String> dropped = existing.getNameservers() == null ? List.of()
          : existing.getNameservers().stream().filter(n -> n != null && !n.equals(NAMESERVER)).toList();
      if (!dropped.isEmpty()) {
        warnings.add("dotproxy: dnsConfig.nameservers " + dropped + " replaced by the proxy at 127.0.0.1");
      }
    }

    List<String> kept = within(new ArrayList<>(searches), limits);
    if (kept.size() < searches.size()) {
      warnings.add("dotproxy: search list shortened to " + kept.size() + " entries, the API server's limit");
    }
    return new Result(
        new PodDNSConfigBuilder()
            .withNameservers(NAMESERVER)
            .withSearches(kept)
            .withOptions(new ArrayList<>(options.values()))
            .build(),
        warnings);
  }

  /** The longest prefix of the search list that the API server's validation accepts. */
  private static List<String> within(List<String> searches, ClusterCapabilities limits) {
    List<String> kept = new ArrayList<>();
    int chars = 0;
    for (String search : searches) {
      int length = chars == 0 ? search.length() : chars + 1 + search.length();
      if (kept.size() == limits.maxSearchPaths() || length > limits.maxSearchChars()) {
        break;
      }
      kept.add(search);
      chars = length;
    }
    return kept;
  }
}
