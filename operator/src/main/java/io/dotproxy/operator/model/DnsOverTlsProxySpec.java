package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.List;
import java.util.Optional;

/**
 * What the user asks for; field names follow the runtime's settings (see docs/reference/config-file.md).
 *
 * <p>Read through {@link StoredSpecDeserializer}: a stored spec that does not fit these types is read as
 * an {@link UnreadableSpec} rather than failing.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonDeserialize(using = StoredSpecDeserializer.class)
@ValidationRule(
    value = "!has(self.coreDNS) || !has(self.coreDNS.patch) || !self.coreDNS.patch || !has(self.mode) || self.mode == 'DaemonSet'",
    message = DnsOverTlsProxySpec.COREDNS_PATCH_MESSAGE)
@ValidationRule(
    value = "!has(self.crossCheck) || !has(self.crossCheck.enabled) || !self.crossCheck.enabled"
        + " || size(self.upstreams) >= (has(self.crossCheck.upstreams) ? self.crossCheck.upstreams : 2)",
    message = CrossCheckSpec.UPSTREAMS_MESSAGE)
public class DnsOverTlsProxySpec {

  static final String COREDNS_PATCH_MESSAGE =
      "coreDNS.patch needs mode DaemonSet: in Sidecar mode there is no fleet Service for CoreDNS to forward to";
  static final int MAX_UPSTREAMS = 16;
  static final int MAX_FORWARD_ZONES = 32;
  static final int MAX_DURATION = 16;
  static final int MAX_IMAGE = 512;

  @Default("DaemonSet")
  @JsonPropertyDescription("DaemonSet: one proxy per node behind a node-local Service. Sidecar: a proxy injected into opted-in pods.")
  private ProxyMode mode = ProxyMode.DAEMON_SET;

  @Required
  @Size(min = 1, max = MAX_UPSTREAMS)
  @JsonPropertyDescription("DNS-over-TLS servers, in order of preference for policy sequential.")
  private List<Upstream> upstreams;

  @JsonProperty("trustedCA")
  @JsonPropertyDescription("CAs trusted for upstream certificates; unset means the system trust store.")
  private TrustedCA trustedCA;

  @JsonPropertyDescription("How an upstream is chosen for each query; unset means the runtime's default (fastest).")
  private UpstreamPolicy policy;

  @Size(max = MAX_DURATION)
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("Overall upstream deadline per query: a duration with a unit, e.g. 500ms, 5s, 2m or 1h.")
  private String timeout;

  @Min(2)
  @Max(8)
  @JsonPropertyDescription("How many upstreams policy parallel asks at once, in the order given (parallel-upstreams;"
      + " unset means 2).")
  private Integer parallelUpstreams;

  @Size(max = MAX_DURATION)
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("Hedging for the other policies: also ask the next upstream when the chosen one has not"
      + " answered within its observed 95th percentile answer time, or this long at most, e.g. 500ms (hedge-after;"
      + " unset or 0s means off).")
  private String hedgeAfter;

  @JsonPropertyDescription("Answer cross-check: each cache miss goes to several upstreams and their answers are"
      + " compared before the client gets one. Off unless enabled.")
  private CrossCheckSpec crossCheck;

  @Min(512)
  @Max(4096)
  @JsonPropertyDescription("Largest answer sent over UDP in bytes, whatever EDNS size the client advertises; larger"
      + " answers are truncated (TC=1) and clients retry over TCP. Unset means 1232 (DNS Flag Day 2020).")
  private Integer udpMaxSize;

  @JsonPropertyDescription("Answer cache.")
  private CacheSpec cache;

  @JsonPropertyDescription("Per-client rate limit.")
  private RateLimitSpec rateLimit;

  @JsonPropertyDescription("What the upstreams learn about clients: EDNS padding and Client Subnet.")
  private PrivacySpec privacy;

  @Size(max = MAX_FORWARD_ZONES)
  @JsonPropertyDescription("Zones answered by plain-DNS servers instead of the upstreams, e.g. cluster.local.")
  private List<ForwardZone> forwardZones;

  @Size(max = MAX_DURATION)
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("How long a stopping proxy keeps answering while it drains: a duration with a unit, e.g. 5s.")
  private String drainPeriod;

  @JsonPropertyDescription("Log every query name; off by default because query names are personal data.")
  private Boolean queryLog;

  @JsonPropertyDescription("The proxies' log on stderr: format and level. Changing it restarts DaemonSet-mode proxies;"
      + " injected sidecars get it when their pods are re-created.")
  private LoggingSpec logging;

  @JsonPropertyDescription("Compute resources of each proxy container; unset means the operator's defaults.")
  private ResourceRequirements resources;

  @Size(max = MAX_IMAGE)
  @JsonPropertyDescription("Proxy image; unset means the image the operator was configured with.")
  private String image;

  @JsonPropertyDescription("Which nodes run a proxy (DaemonSet mode).")
  private Placement placement;

  @JsonProperty("coreDNS")
  @JsonPropertyDescription("Make the cluster's CoreDNS forward the default zone to this fleet (DaemonSet mode).")
  private CoreDnsSpec coreDNS;

  /** Why the stored spec could not be read, if it could not; nothing of such a spec may be applied. */
  public Optional<String> unreadable() {
    return Optional.empty();
  }

  /** Whether this spec asks for a DaemonSet fleet (null counts as the schema default). */
  public boolean runsAsDaemonSet() {
    return mode == null || mode == ProxyMode.DAEMON_SET;
  }

  /** Whether this spec asks for the CoreDNS patch. */
  public boolean wantsCoreDnsPatch() {
    return coreDNS != null && Boolean.TRUE.equals(coreDNS.getPatch());
  }

  public ProxyMode getMode() {
    return mode;
  }

  public void setMode(ProxyMode mode) {
    this.mode = mode;
  }

  public List<Upstream> getUpstreams() {
    return upstreams;
  }

  public void setUpstreams(List<Upstream> upstreams) {
    this.upstreams = upstreams;
  }

  public TrustedCA getTrustedCA() {
    return trustedCA;
  }

  public void setTrustedCA(TrustedCA trustedCA) {
    this.trustedCA = trustedCA;
  }

  public UpstreamPolicy getPolicy() {
    return policy;
  }

  public void setPolicy(UpstreamPolicy policy) {
    this.policy = policy;
  }

  public String getTimeout() {
    return timeout;
  }

  public void setTimeout(String timeout) {
    this.timeout = timeout;
  }

  public Integer getParallelUpstreams() {
    return parallelUpstreams;
  }

  public void setParallelUpstreams(Integer parallelUpstreams) {
    this.parallelUpstreams = parallelUpstreams;
  }

  public String getHedgeAfter() {
    return hedgeAfter;
  }

  public void setHedgeAfter(String hedgeAfter) {
    this.hedgeAfter = hedgeAfter;
  }

  public CrossCheckSpec getCrossCheck() {
    return crossCheck;
  }

  public void setCrossCheck(CrossCheckSpec crossCheck) {
    this.crossCheck = crossCheck;
  }

  public Integer getUdpMaxSize() {
    return udpMaxSize;
  }

  public void setUdpMaxSize(Integer udpMaxSize) {
    this.udpMaxSize = udpMaxSize;
  }

  public CacheSpec getCache() {
    return cache;
  }

  public void setCache(CacheSpec cache) {
    this.cache = cache;
  }

  public LoggingSpec getLogging() {
    return logging;
  }

  public void setLogging(LoggingSpec logging) {
    this.logging = logging;
  }

  public PrivacySpec getPrivacy() {
    return privacy;
  }

  public void setPrivacy(PrivacySpec privacy) {
    this.privacy = privacy;
  }

  public RateLimitSpec getRateLimit() {
    return rateLimit;
  }

  public void setRateLimit(RateLimitSpec rateLimit) {
    this.rateLimit = rateLimit;
  }

  public List<ForwardZone> getForwardZones() {
    return forwardZones;
  }

  public void setForwardZones(List<ForwardZone> forwardZones) {
    this.forwardZones = forwardZones;
  }

  public String getDrainPeriod() {
    return drainPeriod;
  }

  public void setDrainPeriod(String drainPeriod) {
    this.drainPeriod = drainPeriod;
  }

  public Boolean getQueryLog() {
    return queryLog;
  }

  public void setQueryLog(Boolean queryLog) {
    this.queryLog = queryLog;
  }

  public ResourceRequirements getResources() {
    return resources;
  }

  public void setResources(ResourceRequirements resources) {
    this.resources = resources;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public Placement getPlacement() {
    return placement;
  }

  public void setPlacement(Placement placement) {
    this.placement = placement;
  }

  public CoreDnsSpec getCoreDNS() {
    return coreDNS;
  }

  public void setCoreDNS(CoreDnsSpec coreDNS) {
    this.coreDNS = coreDNS;
  }
}
