package io.dotproxy.operator.coredns;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Someone else who keeps CoreDNS's ConfigMap in step with their own copy, found from the marks they
 * leave in its metadata. Patching such a Corefile starts a fight: they put their text back, the
 * operator patches it again, for ever, and cluster DNS flips with each round. So the operator refuses.
 *
 * <p>Only tools that rewrite the ConfigMap on their own are listed; a one-off installer (kubeadm,
 * the addon manager's {@code EnsureExists} mode) is not.
 *
 * @param who the tool, as a user knows it
 * @param evidence the label, annotation or field manager it was recognised by
 * @param instead where to make the change so that it lasts
 */
public record CorefileManager(String who, String evidence, String instead) {

  /** The annotation by which an admin who has made sure the patch lasts (and takes effect) allows it. */
  public static final String ALLOW_ANNOTATION = "dotproxy.io/patch";
  public static final String ALLOW_VALUE = "allow";

  private record Mark(String who, Function<ObjectMeta, Optional<String>> find, String instead) {}

  private static final String IN_GIT = "change the Corefile where that tool takes it from (its Git repository), "
      + "making the default zone forward to this fleet's Service IP";

  private static final List<Mark> MARKS = List.of(
      new Mark("the Kubernetes addon manager (AKS; kube-up clusters)",
          m -> label(m, "addonmanager.kubernetes.io/mode").filter("Reconcile"::equals)
              .map(v -> "label addonmanager.kubernetes.io/mode=" + v),
          "on AKS put your change in the kube-system/coredns-custom ConfigMap (keys ending in .server or .override), "
              + "which AKS imports and keeps"),
      new Mark("k3s's manifest deployer",
          m -> firstKeyWithPrefix(m.getLabels(), "objectset.rio.cattle.io/").map(k -> "label " + k)
              .or(() -> firstKeyWithPrefix(m.getAnnotations(), "objectset.rio.cattle.io/").map(k -> "annotation " + k)),
          "put your change in the kube-system/coredns-custom ConfigMap (keys ending in .server or .override), "
              + "which k3s imports and keeps, or start k3s with --disable coredns and run CoreDNS yourself"),
      new Mark("the EKS managed add-on",
          m -> Optional.ofNullable(m.getManagedFields()).orElse(List.of()).stream()
              .map(ManagedFieldsEntry::getManager).filter("eks"::equals).findFirst()
              .map(v -> "field manager " + v),
          "set the Corefile in the add-on's configuration values (aws eks update-addon --configuration-values "
              + "with a corefile key)"),
      new Mark("Helm",
          m -> label(m, "app.kubernetes.io/managed-by").filter("Helm"::equals)
              .map(v -> "label app.kubernetes.io/managed-by=" + v
                  + annotation(m, "meta.helm.sh/release-name").map(r -> ", release " + r).orElse("")),
          "set the forward in the chart's values (on RKE2: a HelmChartConfig for rke2-coredns) and upgrade the release"),
      new Mark("Flux",
          m -> firstKeyWithPrefix(m.getLabels(), "kustomize.toolkit.fluxcd.io/")
              .or(() -> firstKeyWithPrefix(m.getLabels(), "helm.toolkit.fluxcd.io/")).map(k -> "label " + k),
          IN_GIT),
      new Mark("Argo CD",
          m -> annotation(m, "argocd.argoproj.io/tracking-id").map(v -> "annotation argocd.argoproj.io/tracking-id"),
          IN_GIT));

  /** Who manages the ConfigMap with {@code metadata}, if anybody is recognised. */
  public static Optional<CorefileManager> of(ObjectMeta metadata) {
    return MARKS.stream()
        .flatMap(mark -> mark.find().apply(metadata).map(e -> new CorefileManager(mark.who(), e, mark.instead())).stream())
        .findFirst();
  }

  /**
   * Whether the admin has annotated the ConfigMap {@code dotproxy.io/patch: allow}: they have made sure
   * the patch lasts and takes effect, so neither a manager's marks nor NodeLocal DNSCache stop it.
   */
  public static boolean allowed(ObjectMeta metadata) {
    return annotation(metadata, ALLOW_ANNOTATION).filter(ALLOW_VALUE::equals).isPresent();
  }

  /** The refusal for a status condition. */
  public String refusal(CoreDnsLocation location) {
    return "ConfigMap " + location + " is managed by " + who + " (" + evidence + "), which would put its own Corefile "
        + "back after each patch, and the two would rewrite it for ever; dotproxy leaves it alone. Instead, " + instead
        + ". If that tool no longer rewrites it, annotate the ConfigMap " + ALLOW_ANNOTATION + "=" + ALLOW_VALUE;
  }

  private static Optional<String> label(ObjectMeta m, String key) {
    return Optional.ofNullable(m.getLabels()).map(l -> l.get(key));
  }

  private static Optional<String> annotation(ObjectMeta m, String key) {
    return Optional.ofNullable(m.getAnnotations()).map(a -> a.get(key));
  }

  private static Optional<String> firstKeyWithPrefix(Map<String, String> map, String prefix) {
    return Objects.requireNonNullElse(map, Map.<String, String>of()).keySet().stream()
        .filter(k -> k.startsWith(prefix)).sorted().findFirst();
  }
}
