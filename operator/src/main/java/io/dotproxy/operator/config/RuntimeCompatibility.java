package io.dotproxy.operator.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The version skew policy (docs/how-to/upgrade.md): which proxy runtimes this operator drives, and which
 * config schema it renders for each.
 *
 * <p>An operator of release MAJOR.N drives runtimes of releases MAJOR.N-1 and MAJOR.N, and newer ones of
 * the same major (a runtime reads every older minor of its config schema). The runtime an image runs is
 * read from the image's tag when it is a version ({@code 0.2.1}, {@code v0.2}); any other tag or a
 * digest alone is taken to be the operator's own release, as the chart's default image is.
 *
 * <p>For a runtime in the window the config is rendered in the schema that runtime reads. A setting the
 * spec asks for that this schema lacks is not rendered and not applied: {@link Verdict.Unsupported} says
 * which, and the reconciler reports it in the status rather than handing the proxies a file they would
 * refuse or, worse, half apply.
 */
public final class RuntimeCompatibility {

  /**
   * One config schema: its version, the first runtime release line that reads it, and the keys it added.
   * The runtime's own definition is its Setting enum; RuntimeCompatibilityTest checks this copy against it.
   */
  public record Schema(ConfigSchemaVersion version, Release firstRuntime, List<String> addedKeys) {
    public Schema {
      addedKeys = List.copyOf(addedKeys);
    }
  }

  /** A release line, MAJOR.MINOR; patch releases never change what a runtime reads. */
  public record Release(int major, int minor) implements Comparable<Release> {

    private static final Pattern TAG = Pattern.compile("v?([0-9]{1,4})\\.([0-9]{1,4})(?:\\.[0-9]{1,6})?(?:[-+][0-9A-Za-z.+-]*)?");

    /** A version such as {@code 0.2.1}, {@code v0.2} or {@code 0.3.0-SNAPSHOT}; empty for other text. */
    public static Optional<Release> parse(String version) {
      Matcher m = TAG.matcher(version);
      return m.matches()
          ? Optional.of(new Release(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))))
          : Optional.empty();
    }

    @Override
    public int compareTo(Release other) {
      return Comparator.comparingInt(Release::major).thenComparingInt(Release::minor).compare(this, other);
    }

    @Override
    public String toString() {
      return major + "." + minor;
    }
  }

  /** What the config for one image is. */
  public sealed interface Verdict {

    /** Render in this schema. */
    record Render(ConfigSchemaVersion schema) implements Verdict {}

    /** Render nothing: the image cannot run this spec, for this reason. */
    record Unsupported(String problem) implements Verdict {}
  }

  /** The schemas this build of the operator knows, oldest first. */
  public static final List<Schema> SCHEMAS = List.of(
      new Schema(new ConfigSchemaVersion(1, 0), new Release(0, 1), List.of(
          "version", "listen", "upstream", "ca-file", "policy", "timeout", "cache-size", "cache-min-ttl",
          "cache-max-ttl", "cache-serve-stale", "cache-prefetch", "rate-limit-qps", "rate-limit-burst",
          "rate-limit-action", "edns-padding", "strip-client-subnet", "forward-zone", "admin", "query-log",
          "drain-period")),
      // Added before 0.1.0 was released, so runtime 0.1 reads it; from 0.2 on a new minor comes with a new runtime.
      new Schema(new ConfigSchemaVersion(1, 1), new Release(0, 1), List.of("udp-max-size", "threads", "parallel-upstreams", "hedge-after",
          "cross-check", "cross-check-upstreams", "cross-check-compare", "cross-check-on-mismatch",
          "cross-check-on-unverified")));

  /** The schema this build renders when it cannot tell the runtime's release. */
  public static final ConfigSchemaVersion NEWEST = SCHEMAS.get(SCHEMAS.size() - 1).version();

  private final Release operator;
  private final List<Schema> schemas;
  /** Each key and the schema that added it. */
  private final Map<String, Schema> addedIn = new LinkedHashMap<>();

  /**
   * @param operatorVersion this operator's release, e.g. 0.2.0; text that is no version (a development
   *     build) means the newest runtime release line the schemas know
   * @param schemas the schemas of the runtime's config, oldest first
   */
  public RuntimeCompatibility(String operatorVersion, List<Schema> schemas) {
    if (schemas.isEmpty()) {
      throw new IllegalArgumentException("at least one config schema is needed");
    }
    this.schemas = List.copyOf(schemas);
    this.operator = Release.parse(operatorVersion).orElse(newest().firstRuntime());
    for (Schema schema : schemas) {
      schema.addedKeys().forEach(key -> addedIn.putIfAbsent(key, schema));
    }
  }

  /** The skew policy of this build, for an operator of {@code operatorVersion}. */
  public static RuntimeCompatibility of(String operatorVersion) {
    return new RuntimeCompatibility(operatorVersion, SCHEMAS);
  }

  /**
   * @param image the image the proxies run (spec.image, or the operator's default)
   * @param keys the config keys the spec needs rendered
   */
  public Verdict check(String image, Collection<String> keys) {
    Optional<Release> tagged = tag(image).flatMap(Release::parse);
    Release runtime = tagged.orElse(operator);
    String runs = tagged.isPresent()
        ? "proxy image " + image + " runs proxy runtime " + runtime
        : "proxy image " + image + " (taken to be runtime " + runtime + ", this operator's release)";
    Release previous = new Release(operator.major(), Math.max(0, operator.minor() - 1));
    Release first = schemas.get(0).firstRuntime();
    Release oldest = previous.compareTo(first) < 0 ? first : previous;
    if (runtime.major() != operator.major() || runtime.compareTo(oldest) < 0) {
      return new Verdict.Unsupported(runs + ", which this operator (" + operator + ") does not drive: it drives runtimes "
          + window(oldest) + "; use a proxy image of one of those (docs/how-to/upgrade.md)");
    }
    Schema schema = readBy(runtime);
    List<String> missing = new ArrayList<>();
    for (String key : keys) {
      Schema added = addedIn.get(key);
      if (added == null || schemas.indexOf(added) > schemas.indexOf(schema)) {
        missing.add(key + (added == null ? "" : " (schema " + added.version() + ", runtime " + added.firstRuntime() + ")"));
      }
    }
    if (!missing.isEmpty()) {
      return new Verdict.Unsupported(runs + ", which reads config schema " + schema.version() + " and so not: "
          + String.join(", ", missing) + "; unset these settings or use a newer proxy image");
    }
    return new Verdict.Render(schema.version());
  }

  private String window(Release oldest) {
    return oldest.equals(operator) ? operator.toString() : oldest + " and " + operator;
  }

  /** The newest schema a runtime release reads. */
  private Schema readBy(Release runtime) {
    Schema read = schemas.get(0);
    for (Schema schema : schemas) {
      if (schema.firstRuntime().compareTo(runtime) <= 0) {
        read = schema;
      }
    }
    return read;
  }

  private Schema newest() {
    return schemas.get(schemas.size() - 1);
  }

  /** The tag of an image reference: after the last ':' of its last path segment, before any digest. */
  static Optional<String> tag(String image) {
    String name = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
    String lastSegment = name.substring(name.lastIndexOf('/') + 1);
    int colon = lastSegment.lastIndexOf(':');
    return colon < 0 ? Optional.empty() : Optional.of(lastSegment.substring(colon + 1));
  }
}
