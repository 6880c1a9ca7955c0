package io.dotproxy.operator.docs;

import io.dotproxy.operator.app.OperatorFeatures.Permission;
import io.dotproxy.operator.app.OperatorSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * docs/reference/rbac.md, from {@code OperatorFeatures.permissions()}: what the operator needs with its
 * default settings, and what each setting takes away or adds.
 */
final class RbacReference {

  /** The settings the chart's variants change, as the operator's flags. */
  private static final Map<String, String[]> VARIANTS = new LinkedHashMap<>();

  static {
    VARIANTS.put("`--watch-namespaces shop,dns` (chart: `watchNamespaces`)", new String[] {"--watch-namespaces", "shop,dns"});
    VARIANTS.put("`--coredns-patch false` (chart: `coreDNS.patch=false`)", new String[] {"--coredns-patch", "false"});
    VARIANTS.put("`--trusted-ca-secrets false` (chart: `rbac.trustedCASecrets=false`)",
        new String[] {"--trusted-ca-secrets", "false"});
    VARIANTS.put("`--webhook-enabled false` (chart: `webhook.enabled=false`)", new String[] {"--webhook-enabled", "false"});
    VARIANTS.put("`--webhook-cert-mode external` (chart: `webhook.certMode=certManager`)",
        new String[] {"--webhook-cert-mode", "external"});
    VARIANTS.put("`--native-sidecars true` or `false` (chart: `webhook.nativeSidecars`)",
        new String[] {"--native-sidecars", "true"});
    VARIANTS.put("`--leader-election false` (chart: `leaderElection.enabled=false`)",
        new String[] {"--leader-election", "false"});
  }

  private RbacReference() {}

  static String markdown() {
    StringBuilder page = new StringBuilder(GeneratedPages.header("RBAC", "operator/app/OperatorFeatures.java"));
    page.append("""
        What the operator may ask the API server follows from its settings. `OperatorFeatures` derives the
        features from the settings and lists each permission with the reason for it; the same list decides which
        informers run. The Helm chart grants exactly this list in every variant (`HelmChartTest`), and a real API
        server allows all of it to the chart's ServiceAccount and refuses what no feature needs (`ChartInstallIT`).
        Why the rules look the way they do, and how to narrow them: [Hardening](../how-to/hardening.md).

        Namespaces below are the defaults: the operator in `dotproxy-system`, CoreDNS's ConfigMap
        `kube-system/coredns`, the cluster DNS Service `kube-system/kube-dns`. "Watched namespaces" means a Role
        in each namespace of `watchNamespaces`, or a ClusterRole when all namespaces are watched.

        ## With the default settings

        """);
    List<Permission> defaults = permissions();
    table(page, defaults);
    page.append("\n## What each setting changes\n\n");
    for (Map.Entry<String, String[]> variant : VARIANTS.entrySet()) {
      List<Permission> changed = permissions(variant.getValue());
      List<Permission> removed = new ArrayList<>(defaults);
      removed.removeAll(changed);
      List<Permission> added = new ArrayList<>(changed);
      added.removeAll(defaults);
      page.append("### ").append(variant.getKey()).append("\n\n");
      if (removed.isEmpty() && added.isEmpty()) {
        page.append("The same rules. Those for the watched namespaces are granted by a Role in each listed namespace"
            + " instead of a ClusterRole.\n\n");
        continue;
      }
      if (!removed.isEmpty()) {
        page.append("Not needed:\n\n");
        table(page, removed);
        page.append('\n');
      }
      if (!added.isEmpty()) {
        page.append("Needed instead:\n\n");
        table(page, added);
        page.append('\n');
      }
    }
    return page.toString().stripTrailing() + "\n";
  }

  private static List<Permission> permissions(String... args) {
    OperatorSettings settings = OperatorSettings.parse(args, Map.of("POD_NAMESPACE", "dotproxy-system"));
    return settings.features().permissions(settings);
  }

  private static void table(StringBuilder page, List<Permission> permissions) {
    page.append("| scope | API group | resource | name | verbs | why |\n|---|---|---|---|---|---|\n");
    for (Permission p : permissions) {
      String scope = switch (p.scope()) {
        case WATCHED_NAMESPACES -> "watched namespaces";
        case NAMESPACE -> "namespace `" + p.namespace().orElseThrow() + "`";
        case CLUSTER -> "cluster";
      };
      page.append("| ").append(scope).append(" | ")
          .append(p.apiGroup().isEmpty() ? "(core)" : "`" + p.apiGroup() + "`").append(" | `")
          .append(p.resource()).append("` | ")
          .append(p.resourceName().map(n -> "`" + n + "`").orElse("any")).append(" | ")
          .append(String.join(", ", new TreeSet<>(p.verbs()))).append(" | ")
          .append(GeneratedPages.cell(p.why())).append(" |\n");
    }
  }
}
