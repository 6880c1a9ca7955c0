package io.dotproxy.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dotproxy.operator.events.EventRecorder;
import io.dotproxy.operator.events.ProxyEvents;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.ProxyMode;
import io.dotproxy.operator.sidecar.ClusterCapabilities;
import io.dotproxy.operator.sidecar.NativeSidecars;
import io.dotproxy.operator.sidecar.ServiceRef;
import io.dotproxy.operator.sidecar.SidecarSettings;
import io.dotproxy.operator.testing.Eventually;
import io.dotproxy.operator.testing.MockCluster;
import io.dotproxy.operator.testing.MutableClock;
import io.dotproxy.operator.testing.TestProxies;
import io.dotproxy.operator.testing.TestSettings;
import io.dotproxy.operator.testing.WebhookClient;
import io.dotproxy.operator.webhook.tls.CertificateIssuer;
import io.dotproxy.operator.webhook.tls.CertificateLifetimes;
import io.dotproxy.operator.webhook.tls.CertificatePlan;
import io.dotproxy.operator.webhook.tls.Pem;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The webhook's TLS: the operator's own CA and serving certificate (operator mode), their renewal, and
 * certificates mounted from a Secret (external mode). Every check connects the way kube-apiserver does,
 * trusting only the caBundle and verifying the Service's DNS name.
 */
@EnableKubernetesMockClient(crud = true)
class WebhookCertificatesTest {

  static final String NS = TestSettings.OPERATOR_NAMESPACE;
  static final String SECRET = "dotproxy-operator-webhook-tls";
  static final String CONFIG = "dotproxy-operator";
  static final String SERVER_NAME = "dotproxy-operator-webhook." + NS + ".svc";
  static final List<String> DNS_NAMES = List.of(SERVER_NAME, SERVER_NAME + ".cluster.local");
  static final byte[] NOT_A_REVIEW = "{}".getBytes(StandardCharsets.UTF_8);

  KubernetesMockServer server;
  KubernetesClient client;
  SidecarWebhook webhook;

  @BeforeEach
  void cluster() {
    new MockCluster(server, client).withCrd().withNamespaces(NS).withKubernetesVersion("1", "29")
        .withWebhookConfiguration(CONFIG, NS, "inject.dotproxy.io", "inject-again.dotproxy.io");
  }

  @AfterEach
  void stop() {
    if (webhook != null) {
      webhook.close();
    }
  }

  void start(Clock clock) {
    webhook = SidecarWebhook.start(client, TestSettings.operatorModeWebhook(), sidecarSettings(), Set.of(), "image",
        new SimpleMeterRegistry(), clock, CertificateLifetimes.DEFAULTS);
    Eventually.until("the webhook to be ready", () -> webhook.isReady(), ready -> ready);
  }

  static SidecarSettings sidecarSettings() {
    return new SidecarSettings(NativeSidecars.AUTO, ServiceRef.kubeDns(), "cluster.local");
  }

  @Test
  void operatorModeMakesItsOwnCaAndServingCertificateAndFillsEveryCaBundle() throws Exception {
    start(Clock.systemUTC());

    Secret secret = client.secrets().inNamespace(NS).withName(SECRET).get();
    assertThat(secret.getType()).isEqualTo("kubernetes.io/tls");
    assertThat(secret.getData()).containsOnlyKeys("ca.crt", "ca.key", "tls.crt", "tls.key");
    assertThat(secret.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "dotproxy-operator");
    String caBundle = decode(secret, "ca.crt");
    List<String> bundles = Eventually.until("both caBundles", this::caBundles, b -> b.stream().allMatch(caBundle::equals));
    assertThat(bundles).hasSize(2);

    X509Certificate presented = call(caBundle).serverCertificate();

    X509Certificate ca = Pem.certificates(caBundle).get(0);
    assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(presented.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
    assertThat(presented.getSubjectAlternativeNames().stream().map(san -> String.valueOf(san.get(1))).toList())
        .containsExactlyInAnyOrderElementsOf(DNS_NAMES);
    assertThat(presented.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    assertThat(presented.getBasicConstraints()).isEqualTo(-1);
    assertThat(Duration.between(Instant.now(), presented.getNotAfter().toInstant())).isGreaterThan(Duration.ofDays(360));
    assertThat(Pem.certificates(decode(secret, "tls.crt")).get(0)).isEqualTo(presented);
  }

  @Test
  void renewsTheServingCertificateBeforeItExpiresAndPresentsItWithoutARestart() {
    Instant now = Instant.now();
    MutableClock clock = new MutableClock(now.minus(Duration.ofDays(300))); // issued 300 days ago: 65 left
    start(clock);
    String caBundle = decode(client.secrets().inNamespace(NS).withName(SECRET).get(), "ca.crt");
    X509Certificate before = call(caBundle).serverCertificate();
    int port = webhook.port();

    clock.set(now);
    webhook.refreshCertificates();

    X509Certificate after = call(caBundle).serverCertificate();
    assertThat(webhook.port()).isEqualTo(port);
    assertThat(after.getSerialNumber()).isNotEqualTo(before.getSerialNumber());
    assertThat(after.getNotAfter()).isAfter(before.getNotAfter());
    Secret secret = client.secrets().inNamespace(NS).withName(SECRET).get();
    assertThat(Pem.certificates(decode(secret, "tls.crt")).get(0)).isEqualTo(after);
    assertThat(decode(secret, "ca.crt")).as("the CA has years left and is kept").isEqualTo(caBundle);
    assertThat(caBundles()).containsOnly(caBundle);
  }

  @Test
  void aRotationIsRecordedOnceOnEverySidecarModeProxyHoweverManyReplicasPresentIt() throws Exception {
    DnsOverTlsProxy sidecar = TestProxies.quad9(NS, "sidecar");
    sidecar.getSpec().setMode(ProxyMode.SIDECAR);
    client.resource(sidecar).create();
    client.resource(TestProxies.quad9(NS, "fleet")).create();
    Instant now = Instant.now();
    MutableClock clock = new MutableClock(now.minus(Duration.ofDays(300)));
    try (EventRecorder recorder = new EventRecorder(client, Clock.systemUTC());
        EventRecorder otherReplicasRecorder = new EventRecorder(client, Clock.systemUTC());
        SidecarWebhook otherReplica = startReplica(clock, otherReplicasRecorder)) {
      webhook = startReplica(clock, recorder);
      Eventually.until("both replicas to see the proxies", () -> webhook.isReady() && otherReplica.isReady(), r -> r);
      recorder.flush(Duration.ofSeconds(10));
      assertThat(rotationEvents()).as("the first certificate is no rotation").isEmpty();

      clock.set(now);
      webhook.refreshCertificates();
      otherReplica.refreshCertificates();
      recorder.flush(Duration.ofSeconds(10));
      otherReplicasRecorder.flush(Duration.ofSeconds(10));

      X509Certificate presented = call(decode(client.secrets().inNamespace(NS).withName(SECRET).get(), "ca.crt"))
          .serverCertificate();
      List<Event> rotations = rotationEvents();
      assertThat(rotations).singleElement().satisfies(event -> {
        assertThat(event.getInvolvedObject().getName()).isEqualTo("sidecar");
        assertThat(event.getType()).isEqualTo("Normal");
        assertThat(event.getMessage()).contains("serial " + presented.getSerialNumber().toString(16));
        assertThat(event.getCount()).isEqualTo(1);
      });
    }
  }

  SidecarWebhook startReplica(Clock clock, EventRecorder recorder) {
    return SidecarWebhook.start(client, ClusterCapabilities.Version.read(client), TestSettings.operatorModeWebhook(),
        sidecarSettings(), Set.of(), "image", new SimpleMeterRegistry(), clock, CertificateLifetimes.DEFAULTS,
        new ProxyEvents(recorder));
  }

  List<Event> rotationEvents() {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> ProxyEvents.WEBHOOK_CERTIFICATE_ROTATED.equals(e.getReason()))
        .toList();
  }

  @Test
  void renewsAnExpiringCaAndKeepsTheOldOneInTheCaBundleUntilItExpires() {
    Instant now = Instant.now();
    // A CA made 3400 days ago has 250 days left: less than a serving certificate's lifetime.
    MutableClock clock = new MutableClock(now.minus(Duration.ofDays(3400)));
    start(clock);
    String oldBundle = decode(client.secrets().inNamespace(NS).withName(SECRET).get(), "ca.crt");
    X509Certificate oldCa = Pem.certificates(oldBundle).get(0);

    clock.set(now);
    webhook.refreshCertificates();

    String newBundle = decode(client.secrets().inNamespace(NS).withName(SECRET).get(), "ca.crt");
    List<X509Certificate> cas = Pem.certificates(newBundle);
    assertThat(cas).hasSize(2);
    assertThat(cas.get(1)).isEqualTo(oldCa);
    assertThat(caBundles()).containsOnly(newBundle);
    // The old serving certificate had expired; the new one comes from the new CA and verifies against
    // the bundle the API servers now have.
    X509Certificate presented = call(newBundle).serverCertificate();
    assertThat(presented.getIssuerX500Principal()).isEqualTo(cas.get(0).getSubjectX500Principal());
    assertThat(signedBy(presented, cas.get(0))).isTrue();
  }

  @Test
  void usesTheCertificatesAnotherReplicaWroteInsteadOfMakingItsOwn() {
    CertificatePlan.Result theirs = CertificatePlan.plan(Optional.empty(), DNS_NAMES, Instant.now(), CertificateLifetimes.DEFAULTS);
    Map<String, String> data = new LinkedHashMap<>();
    theirs.data().forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.US_ASCII))));
    Secret written = client.resource(new SecretBuilder().withNewMetadata().withNamespace(NS).withName(SECRET).endMetadata()
        .withType("kubernetes.io/tls").withData(data).build()).create();

    start(Clock.systemUTC());

    assertThat(call(theirs.caBundlePem()).serverCertificate()).isEqualTo(theirs.serving().leaf());
    assertThat(client.secrets().inNamespace(NS).withName(SECRET).get().getMetadata().getResourceVersion())
        .isEqualTo(written.getMetadata().getResourceVersion());
    assertThat(caBundles()).containsOnly(theirs.caBundlePem());
  }

  @Test
  void putsBackACaBundleThatWasOverwritten() {
    start(Clock.systemUTC());
    String caBundle = decode(client.secrets().inNamespace(NS).withName(SECRET).get(), "ca.crt");
    Eventually.until("the caBundles", this::caBundles, b -> b.stream().allMatch(caBundle::equals));
    // e.g. kubectl apply of the chart's manifest without caBundle
    client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(CONFIG).edit(c -> {
      c.getWebhooks().get(1).getClientConfig().setCaBundle(null);
      return c;
    });

    webhook.refreshCertificates();

    assertThat(caBundles()).containsExactly(caBundle, caBundle);
  }

  @Test
  void extraNamesAreInTheCertificateAndChangingThemReissuesItFromTheSameCa() throws Exception {
    webhook = SidecarWebhook.start(client, TestSettings.operatorModeWebhook(0, List.of("localhost", "127.0.0.1")),
        sidecarSettings(), Set.of(), "image", new SimpleMeterRegistry(), Clock.systemUTC(), CertificateLifetimes.DEFAULTS);
    Eventually.until("the webhook to be ready", () -> webhook.isReady(), ready -> ready);
    String caBundle = decode(client.secrets().inNamespace(NS).withName(SECRET).get(), "ca.crt");
    // An API server that calls https://localhost:<port>/... or https://127.0.0.1:<port>/... verifies these.
    X509Certificate withExtras = call("localhost", caBundle).serverCertificate();
    assertThat(call("127.0.0.1", caBundle).serverCertificate()).isEqualTo(withExtras);
    assertThat(call(SERVER_NAME, caBundle).serverCertificate()).isEqualTo(withExtras);
    assertThat(sans(withExtras)).containsExactlyInAnyOrder(
        "2:" + DNS_NAMES.get(0), "2:" + DNS_NAMES.get(1), "2:localhost", "7:127.0.0.1");
    webhook.close();

    // The same Secret, a replica started without the extra names: no longer trusted for localhost.
    start(Clock.systemUTC());

    X509Certificate without = call(SERVER_NAME, caBundle).serverCertificate();
    assertThat(without.getSerialNumber()).isNotEqualTo(withExtras.getSerialNumber());
    assertThat(sans(without)).containsExactlyInAnyOrder("2:" + DNS_NAMES.get(0), "2:" + DNS_NAMES.get(1));
    assertThat(decode(client.secrets().inNamespace(NS).withName(SECRET).get(), "ca.crt")).isEqualTo(caBundle);
    WebhookClient localhost = new WebhookClient(webhook.port(), "localhost", caBundle);
    assertThatThrownBy(() -> localhost.post("/mutate-pods", NOT_A_REVIEW))
        .hasRootCauseInstanceOf(java.security.cert.CertificateException.class)
        .rootCause().hasMessageContaining("localhost");
  }

  @Test
  void externalModeServesTheMountedCertificateAndFollowsTheKubeletsSymlinkSwap(@TempDir Path mount) throws Exception {
    CertificateIssuer.Authority ca = CertificateIssuer.newAuthority("cert-manager test CA", Instant.now(), Duration.ofDays(30));
    String caBundle = Pem.encode(ca.certificate());
    AtomicInteger version = new AtomicInteger();
    // cert-manager's default: an RSA key in PKCS#1 ("RSA PRIVATE KEY").
    publish(mount, version.incrementAndGet(), issue(ca, "RSA"));
    webhook = SidecarWebhook.start(client, TestSettings.externalModeWebhook(mount), sidecarSettings(), Set.of(), "image",
        new SimpleMeterRegistry(), Clock.systemUTC(), CertificateLifetimes.DEFAULTS);
    Eventually.until("the webhook to be ready", () -> webhook.isReady(), ready -> ready);
    X509Certificate first = call(caBundle).serverCertificate();
    assertThat(first.getPublicKey().getAlgorithm()).isEqualTo("RSA");

    // Renewed, now with an EC key in SEC1 ("EC PRIVATE KEY").
    String[] renewed = issue(ca, "EC");
    publish(mount, version.incrementAndGet(), renewed);
    webhook.refreshCertificates();

    X509Certificate second = call(caBundle).serverCertificate();
    assertThat(second).isEqualTo(Pem.certificates(renewed[0]).get(0));
    assertThat(second.getPublicKey().getAlgorithm()).isEqualTo("EC");

    // A key that does not belong to the certificate is not taken; the last good pair stays.
    publish(mount, version.incrementAndGet(), new String[] {issue(ca, "EC")[0], issue(ca, "EC")[1]});
    webhook.refreshCertificates();

    assertThat(call(caBundle).serverCertificate()).isEqualTo(second);
    assertThat(client.secrets().inNamespace(NS).withName(SECRET).get()).as("external mode writes no Secret").isNull();
  }

  // --- helpers

  private WebhookClient.Reply call(String caBundle) {
    return call(SERVER_NAME, caBundle);
  }

  private WebhookClient.Reply call(String serverName, String caBundle) {
    WebhookClient.Reply reply = new WebhookClient(webhook.port(), serverName, caBundle).post("/mutate-pods", NOT_A_REVIEW);
    assertThat(reply.status()).isEqualTo(400);
    return reply;
  }

  /** "TYPE:VALUE" for each subjectAltName: 2 for DNS names, 7 for IP addresses. */
  private static List<String> sans(X509Certificate certificate) throws Exception {
    return certificate.getSubjectAlternativeNames().stream().map(san -> san.get(0) + ":" + san.get(1)).toList();
  }

  private List<String> caBundles() {
    MutatingWebhookConfiguration config =
        client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(CONFIG).get();
    return config.getWebhooks().stream()
        .map(MutatingWebhook::getClientConfig)
        .map(c -> c.getCaBundle() == null ? "" : new String(Base64.getDecoder().decode(c.getCaBundle()), StandardCharsets.US_ASCII))
        .toList();
  }

  private static String decode(Secret secret, String key) {
    return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.US_ASCII);
  }

  private static boolean signedBy(X509Certificate certificate, X509Certificate ca) {
    try {
      certificate.verify(ca.getPublicKey());
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  /** A serving certificate as cert-manager would write it: {certificate PEM, key PEM in the key's traditional encoding}. */
  private static String[] issue(CertificateIssuer.Authority ca, String keyAlgorithm) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance(keyAlgorithm);
    if (keyAlgorithm.equals("EC")) {
      generator.initialize(new ECGenParameterSpec("secp256r1"));
    } else {
      generator.initialize(2048);
    }
    KeyPair keys = generator.generateKeyPair();
    Instant now = Instant.now();
    var builder = new JcaX509v3CertificateBuilder(ca.certificate(), BigInteger.valueOf(now.toEpochMilli()),
        java.util.Date.from(now.minus(Duration.ofMinutes(5))), java.util.Date.from(now.plus(Duration.ofDays(1))),
        new X500Name("CN=" + SERVER_NAME), keys.getPublic());
    builder.addExtension(Extension.subjectAlternativeName, false,
        new GeneralNames(DNS_NAMES.stream().map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new)));
    X509Certificate certificate = new JcaX509CertificateConverter()
        .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.keys().getPrivate())));
    StringWriter key = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(key)) {
      if (keyAlgorithm.equals("RSA")) {
        writer.writeObject(keys.getPrivate()); // PKCS#1
      } else {
        // SEC1 with the curve named inside, as Go's x509.MarshalECPrivateKey and openssl write it.
        PrivateKeyInfo pkcs8 = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
        var sec1 = new ECPrivateKey(256, ECPrivateKey.getInstance(pkcs8.parsePrivateKey()).getKey(),
            SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()).getPublicKeyData(),
            pkcs8.getPrivateKeyAlgorithm().getParameters());
        writer.writeObject(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
      }
    }
    assertThat(key.toString()).startsWith("-----BEGIN " + keyAlgorithm + " PRIVATE KEY-----");
    return new String[] {Pem.encode(certificate), key.toString()};
  }

  /**
   * Writes files the way the kubelet updates a Secret volume: into a new timestamped directory, then an
   * atomic rename of the {@code ..data} symlink; tls.crt and tls.key are symlinks through {@code ..data}.
   */
  private static void publish(Path mount, int version, String[] certificateAndKey) throws Exception {
    Path dir = Files.createDirectory(mount.resolve("..2025_01_01_00_00_0" + version + ".00000000" + version));
    Files.writeString(dir.resolve("tls.crt"), certificateAndKey[0]);
    Files.writeString(dir.resolve("tls.key"), certificateAndKey[1]);
    Path tmp = Files.createSymbolicLink(mount.resolve("..data_tmp"), dir.getFileName());
    Files.move(tmp, mount.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    for (String file : List.of("tls.crt", "tls.key")) {
      if (!Files.isSymbolicLink(mount.resolve(file))) {
        Files.createSymbolicLink(mount.resolve(file), Path.of("..data", file));
      }
    }
  }
}
