package io.dotproxy.operator.coredns;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CorefileManagerTest {

  static final CoreDnsLocation KUBE_SYSTEM = CoreDnsLocation.kubeadmDefault();

  static ObjectMetaBuilder coredns() {
    return new ObjectMetaBuilder().withNamespace("kube-system").withName("coredns");
  }

  static ObjectMeta withLabels(Map<String, String> labels) {
    return coredns().withLabels(labels).build();
  }

  static ObjectMeta withAnnotations(Map<String, String> annotations) {
    return coredns().withAnnotations(annotations).build();
  }

  @Test
  void kubeadmsConfigMapHasNoManager() {
    // kubeadm writes it once, with the manager "kubeadm" and no labels.
    var meta = coredns()
        .withManagedFields(new ManagedFieldsEntryBuilder().withManager("kubeadm").withOperation("Update").build())
        .build();

    assertThat(CorefileManager.of(meta)).isEmpty();
  }

  @Test
  void theAddonManagerInReconcileModeIsRecognisedAndTheRefusalPointsAtCorednsCustom() {
    var manager = CorefileManager.of(withLabels(Map.of(
        "addonmanager.kubernetes.io/mode", "Reconcile", "k8s-app", "kube-dns", "kubernetes.io/cluster-service", "true")));

    assertThat(manager).hasValueSatisfying(m -> {
      assertThat(m.who()).contains("addon manager").contains("AKS");
      assertThat(m.evidence()).isEqualTo("label addonmanager.kubernetes.io/mode=Reconcile");
      assertThat(m.refusal(KUBE_SYSTEM))
          .startsWith("ConfigMap kube-system/coredns is managed by the Kubernetes addon manager")
          .contains("kube-system/coredns-custom")
          .endsWith("annotate the ConfigMap dotproxy.io/patch=allow");
    });
  }

  @Test
  void theAddonManagerInEnsureExistsModeOnlyCreatesItSoItIsNoManager() {
    assertThat(CorefileManager.of(withLabels(Map.of("addonmanager.kubernetes.io/mode", "EnsureExists")))).isEmpty();
  }

  @Test
  void k3sIsRecognisedByItsObjectsetLabelOrAnnotations() {
    var byLabel = CorefileManager.of(withLabels(Map.of("objectset.rio.cattle.io/hash", "bce283298811743a0386ab510f2f67ef74240c57")));
    var byAnnotation = CorefileManager.of(withAnnotations(Map.of(
        "objectset.rio.cattle.io/id", "", "objectset.rio.cattle.io/owner-name", "coredns")));

    assertThat(byLabel).map(CorefileManager::evidence).contains("label objectset.rio.cattle.io/hash");
    assertThat(byAnnotation).map(CorefileManager::evidence).contains("annotation objectset.rio.cattle.io/id");
    assertThat(byLabel).map(CorefileManager::who).hasValueSatisfying(w -> assertThat(w).contains("k3s"));
    assertThat(byLabel.orElseThrow().instead()).contains("coredns-custom").contains(".server").contains(".override");
  }

  @Test
  void theEksAddOnIsRecognisedByItsFieldManager() {
    var meta = coredns().withManagedFields(
            new ManagedFieldsEntryBuilder().withManager("kubectl").withOperation("Update").build(),
            new ManagedFieldsEntryBuilder().withManager("eks").withOperation("Apply").build())
        .build();

    assertThat(CorefileManager.of(meta)).hasValueSatisfying(m -> {
      assertThat(m.who()).isEqualTo("the EKS managed add-on");
      assertThat(m.evidence()).isEqualTo("field manager eks");
      assertThat(m.instead()).contains("configuration values");
    });
  }

  @Test
  void helmIsRecognisedAndTheReleaseNamed() {
    var meta = coredns().withLabels(Map.of("app.kubernetes.io/managed-by", "Helm"))
        .withAnnotations(Map.of("meta.helm.sh/release-name", "rke2-coredns")).build();

    assertThat(CorefileManager.of(meta)).map(CorefileManager::evidence)
        .contains("label app.kubernetes.io/managed-by=Helm, release rke2-coredns");
  }

  @Test
  void gitOpsToolsAreRecognised() {
    assertThat(CorefileManager.of(withLabels(Map.of("kustomize.toolkit.fluxcd.io/name", "infra"))))
        .map(CorefileManager::who).contains("Flux");
    assertThat(CorefileManager.of(withAnnotations(Map.of("argocd.argoproj.io/tracking-id", "infra:/ConfigMap:kube-system/coredns"))))
        .map(CorefileManager::who).contains("Argo CD");
  }

  @Test
  void otherLabelsAndValuesAreNoManager() {
    assertThat(CorefileManager.of(withLabels(Map.of("app.kubernetes.io/managed-by", "dotproxy-operator",
        "k8s-app", "kube-dns", "objectset.rio.cattle.io", "x")))).isEmpty();
    assertThat(CorefileManager.of(coredns().build())).isEmpty();
  }

  @Test
  void onlyTheExactAllowAnnotationAllows() {
    assertThat(CorefileManager.allowed(withAnnotations(Map.of("dotproxy.io/patch", "allow")))).isTrue();
    assertThat(CorefileManager.allowed(withAnnotations(Map.of("dotproxy.io/patch", "true")))).isFalse();
    assertThat(CorefileManager.allowed(withLabels(Map.of("dotproxy.io/patch", "allow")))).isFalse();
    assertThat(CorefileManager.allowed(coredns().build())).isFalse();
    assertThat(Optional.of(withAnnotations(Map.of("dotproxy.io/patch", "allow", "argocd.argoproj.io/tracking-id", "x")))
        .flatMap(CorefileManager::of)).as("allowing does not hide who manages it").isPresent();
  }
}
