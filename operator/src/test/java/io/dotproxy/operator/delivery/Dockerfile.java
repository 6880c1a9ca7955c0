package io.dotproxy.operator.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small Dockerfile reader: enough of the syntax for this repository's Dockerfiles (line continuations,
 * comments, ARG defaults, stages, exec-form JSON arrays). Not a general parser: heredocs and parser
 * directives other than the syntax line are not understood.
 */
final class Dockerfile {

  record Instruction(String keyword, String arguments) {
    /** The arguments of an exec-form (JSON array) instruction such as ENTRYPOINT or CMD. */
    List<String> execForm() {
      try {
        return Arrays.asList(new ObjectMapper().readValue(arguments, String[].class));
      } catch (Exception e) {
        throw new AssertionError(keyword + " is not in exec form (a JSON array): " + arguments, e);
      }
    }

    /** Whitespace-separated words, without flags such as --from=... */
    List<String> words() {
      return Arrays.stream(arguments.split("\\s+")).filter(w -> !w.isEmpty() && !w.startsWith("--")).toList();
    }

    Optional<String> flag(String name) {
      Matcher m = Pattern.compile("--" + name + "=(\\S+)").matcher(arguments);
      return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }
  }

  record Stage(String from, String name, List<Instruction> instructions) {
    List<Instruction> all(String keyword) {
      return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    Instruction last(String keyword) {
      List<Instruction> found = all(keyword);
      if (found.isEmpty()) {
        throw new AssertionError("stage " + name + " has no " + keyword);
      }
      return found.get(found.size() - 1);
    }
  }

  final Map<String, String> globalArgs = new LinkedHashMap<>();
  final List<Stage> stages = new ArrayList<>();

  static Dockerfile parse(String text) {
    Dockerfile dockerfile = new Dockerfile();
    StringBuilder logical = new StringBuilder();
    List<String> lines = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      String stripped = line.strip();
      if (stripped.startsWith("#") || (stripped.isEmpty() && logical.length() == 0)) {
        continue;
      }
      if (stripped.endsWith("\\")) {
        logical.append(stripped, 0, stripped.length() - 1).append(' ');
      } else {
        logical.append(stripped);
        if (!logical.toString().isBlank()) {
          lines.add(logical.toString().strip());
        }
        logical.setLength(0);
      }
    }
    Stage current = null;
    for (String line : lines) {
      int space = line.indexOf(' ');
      String keyword = (space < 0 ? line : line.substring(0, space)).toUpperCase();
      String arguments = space < 0 ? "" : line.substring(space + 1).strip();
      if (keyword.equals("FROM")) {
        String[] parts = arguments.split("\\s+");
        String name = parts.length >= 3 && parts[1].equalsIgnoreCase("AS") ? parts[2] : String.valueOf(dockerfile.stages.size());
        current = new Stage(dockerfile.resolve(parts[0]), name, new ArrayList<>());
        dockerfile.stages.add(current);
      } else if (current == null) {
        if (!keyword.equals("ARG")) {
          throw new AssertionError("only ARG may come before the first FROM: " + line);
        }
        String[] arg = arguments.split("=", 2);
        dockerfile.globalArgs.put(arg[0], arg.length > 1 ? arg[1] : "");
      } else {
        current.instructions().add(new Instruction(keyword, arguments));
      }
    }
    return dockerfile;
  }

  /** Expands ${NAME} with the global ARG defaults (what FROM sees). */
  String resolve(String value) {
    Matcher m = Pattern.compile("\\$\\{(\\w+)}").matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(globalArgs.getOrDefault(m.group(1), "")));
    }
    m.appendTail(out);
    return out.toString();
  }

  Stage stage(String name) {
    return stages.stream().filter(s -> s.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no stage " + name));
  }

  Stage last() {
    return stages.get(stages.size() - 1);
  }
}
