package io.dotproxy.operator.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.delivery.Dockerfile.Instruction;
import io.dotproxy.operator.delivery.Dockerfile.Stage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Dockerfile.proxy and Dockerfile.operator, checked without a Docker engine. Runs in `mvn verify` after
 * `package`, so the jars the Dockerfiles copy exist just as `mvn -B package -DskipTests` leaves them in
 * the build stage.
 */
class DockerfilesIT {

  /** CONVENTIONS.md, "Ports": DNS 53 (UDP and TCP) and admin 9153; operator webhook 9443 and health/metrics 8080. */
  static final Map<String, Set<String>> PORTS = Map.of(
      "proxy", Set.of("53/udp", "53/tcp", "9153/tcp"),
      "operator", Set.of("9443/tcp", "8080/tcp"));
  static final Map<String, String> JARS = Map.of(
      "proxy", "proxy-runtime/target/proxy-runtime.jar",
      "operator", "operator/target/operator.jar");
  static final Pattern TARGET_PATH = Pattern.compile("(?:/build/)?((?:proxy-runtime|operator)/target/[\\w.-]+)");

  static Dockerfile dockerfile(String image) {
    return Dockerfile.parse(RepoFiles.read("Dockerfile." + image));
  }

  @ParameterizedTest
  @ValueSource(strings = {"proxy", "operator"})
  void theBuildStageRunsTheDocumentedMavenBuildOnAnOfficialMavenImage(String image) {
    Dockerfile dockerfile = dockerfile(image);
    Stage build = dockerfile.stage("build");

    assertThat(dockerfile.stages).hasSize(2);
    assertThat(build.from()).isEqualTo("maven:3.9-eclipse-temurin-17");
    assertThat(build.last("WORKDIR").arguments()).isEqualTo("/build");
    assertThat(build.all("RUN")).anySatisfy(run -> assertThat(run.arguments())
        .contains("mvn -B", " package", "-DskipTests"));
    for (Instruction copy : build.all("COPY")) {
      List<String> words = copy.words();
      for (String source : words.subList(0, words.size() - 1)) {
        assertThat(RepoFiles.path(source)).as("COPY %s from the build context", source).exists();
      }
    }
    String dockerignore = RepoFiles.read(".dockerignore");
    assertThat(dockerignore.lines()).as("the build stage builds from sources, never from a local target/")
        .contains("**/target/");
    // Maven reads every module's pom of the reactor, even for the one module the image builds.
    List<String> copied = build.all("COPY").stream().map(copy -> copy.words().get(0)).toList();
    Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(RepoFiles.read("pom.xml"));
    while (module.find()) {
      assertThat(copied).as("the pom of reactor module %s", module.group(1))
          .contains(module.group(1) + "/pom.xml");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"proxy", "operator"})
  void everyPathCopiedFromTheBuildStageIsMadeThere(String image) throws Exception {
    Dockerfile dockerfile = dockerfile(image);
    Stage build = dockerfile.stage("build");
    String buildCommands = build.all("RUN").stream().map(Instruction::arguments).collect(Collectors.joining("\n"));
    List<Instruction> copies = dockerfile.last().all("COPY");

    assertThat(copies).isNotEmpty().allSatisfy(copy -> assertThat(copy.flag("from")).contains("build"));
    List<String> mavenOutputs = new ArrayList<>();
    for (Instruction copy : copies) {
      String source = copy.words().get(0).replaceAll("/$", "");
      Matcher target = TARGET_PATH.matcher(source);
      if (target.matches()) {
        mavenOutputs.add(target.group(1));
      } else {
        assertThat(buildCommands).as("%s is copied from the build stage, so a RUN there must make it", source)
            .contains(source);
      }
    }
    Matcher mentioned = TARGET_PATH.matcher(buildCommands);
    while (mentioned.find()) {
      mavenOutputs.add(mentioned.group(1));
    }
    assertThat(mavenOutputs).as("the image is built from the shaded jar").contains(JARS.get(image));
    for (String output : mavenOutputs) {
      Path file = RepoFiles.path(output);
      assertThat(file).as("%s, which `mvn -B package -DskipTests` makes", output).isRegularFile();
      try (JarFile jar = new JarFile(file.toFile())) {
        assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class")).as("%s runs with java -jar", output)
            .isNotBlank();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"proxy", "operator"})
  void theImageRunsAsNonRootOnDistrolessWithoutAShell(String image) {
    Dockerfile dockerfile = dockerfile(image);
    Stage runtime = dockerfile.last();

    assertThat(runtime.from()).startsWith("gcr.io/distroless/").endsWith(":nonroot");
    assertThat(runtime.all("RUN")).as("no shell in the runtime image to run it with").isEmpty();
    String user = runtime.last("USER").arguments();
    assertThat(user).as("numeric, so that runAsNonRoot can verify it").matches("\\d+(:\\d+)?");
    assertThat(Integer.parseInt(user.split(":")[0])).isEqualTo(65532);
    assertThat(runtime.last("WORKDIR").arguments()).isEqualTo("/tmp");
  }

  @ParameterizedTest
  @ValueSource(strings = {"proxy", "operator"})
  void exposedPortsAreTheConventionsPorts(String image) {
    Set<String> exposed = dockerfile(image).last().all("EXPOSE").stream()
        .flatMap(e -> Arrays.stream(e.arguments().split("\\s+")))
        .map(p -> p.contains("/") ? p : p + "/tcp")
        .collect(Collectors.toSet());

    assertThat(exposed).isEqualTo(PORTS.get(image));
  }

  @ParameterizedTest
  @ValueSource(strings = {"proxy", "operator"})
  void theEntrypointRunsTheJarWithTheDocumentedJvmFlags(String image) {
    Dockerfile dockerfile = dockerfile(image);
    List<String> entrypoint = dockerfile.last().last("ENTRYPOINT").execForm();
    int jar = entrypoint.indexOf("-jar");

    assertThat(entrypoint.get(0)).isEqualTo("/opt/dotproxy/jre/bin/java");
    assertThat(jar).isPositive();
    assertThat(entrypoint.subList(jar + 1, entrypoint.size()))
        .containsExactly("/opt/dotproxy/" + Path.of(JARS.get(image)).getFileName());
    List<String> flags = entrypoint.subList(1, jar);
    assertThat(String.join(" ", flags)).isEqualTo(documentedFlags(image));
    assertThat(flags).contains("-XX:+UseSerialGC", "-Djava.io.tmpdir=/tmp")
        .noneMatch(f -> f.startsWith("-XX:MaxRAM=") || f.startsWith("-Xmx"));
    List<String> destinations = dockerfile.last().all("COPY").stream()
        .map(c -> c.words().get(c.words().size() - 1)).toList();
    assertThat(destinations).as("the jar and the runtime are copied where the ENTRYPOINT expects them")
        .anySatisfy(d -> assertThat(entrypoint.get(jar + 1)).startsWith(d))
        .anySatisfy(d -> assertThat(entrypoint.get(0)).startsWith(d));
  }

  @ParameterizedTest
  @ValueSource(strings = {"proxy", "operator"})
  void theImageCarriesOciLabels(String image) {
    String labels = dockerfile(image).last().all("LABEL").stream().map(Instruction::arguments).collect(Collectors.joining(" "));

    for (String key : List.of("title", "description", "version", "revision", "created", "source", "base.name")) {
      assertThat(labels).contains("org.opencontainers.image." + key + "=");
    }
  }

  @org.junit.jupiter.api.Test
  void theProxyImageListensOnAllAddressesByDefaultAndTrainsItsClassDataArchiveWithItsOwnFlags() {
    Dockerfile dockerfile = dockerfile("proxy");
    List<String> cmd = dockerfile.last().last("CMD").execForm();
    List<String> entrypoint = dockerfile.last().last("ENTRYPOINT").execForm();

    assertThat(String.join(" ", cmd)).contains("--listen 0.0.0.0:53").contains("--admin 0.0.0.0:9153");
    String archive = entrypoint.stream().filter(f -> f.startsWith("-XX:SharedArchiveFile="))
        .map(f -> f.substring("-XX:SharedArchiveFile=".length())).findFirst().orElseThrow();
    String training = dockerfile.stage("build").all("RUN").stream().map(Instruction::arguments)
        .filter(r -> r.contains("train-proxy-cds.sh")).findFirst().orElseThrow();
    List<String> trainingWords = Arrays.asList(training.substring(training.indexOf("train-proxy-cds.sh")).split("\\s+"));
    // train-proxy-cds.sh JAVA JAR ARCHIVE FLAG... [&& ...]
    assertThat(trainingWords.get(1)).isEqualTo(entrypoint.get(0));
    assertThat(trainingWords.get(2)).isEqualTo(entrypoint.get(entrypoint.size() - 1));
    assertThat(trainingWords.get(3)).isEqualTo(archive);
    List<String> trainingFlags = trainingWords.subList(4, trainingWords.contains("&&")
        ? trainingWords.indexOf("&&") : trainingWords.size());
    List<String> runtimeFlags = entrypoint.subList(1, entrypoint.indexOf("-jar")).stream()
        .filter(f -> !f.startsWith("-XX:SharedArchiveFile=")).toList();
    assertThat(trainingFlags).as("an archive is only used by a JVM started like the one that made it")
        .isEqualTo(runtimeFlags);
  }

  /**
   * The flags docs/explanation/footprint.md gives for an image, from its table row "| proxy | `FLAGS` |".
   */
  static String documentedFlags(String image) {
    String flags = null;
    for (String doc : List.of("docs/explanation/footprint.md")) {
      Matcher m = Pattern.compile("(?m)^\\| " + image + " \\| `([^`]+)` \\|").matcher(RepoFiles.read(doc));
      assertThat(m.find()).as("%s has a row for the %s image's flags", doc, image).isTrue();
      if (flags != null) {
        assertThat(m.group(1)).as("%s gives the flags once", doc).isEqualTo(flags);
      }
      flags = m.group(1);
    }
    return flags;
  }
}
