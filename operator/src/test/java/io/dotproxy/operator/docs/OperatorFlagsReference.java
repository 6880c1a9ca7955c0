package io.dotproxy.operator.docs;

import io.dotproxy.operator.app.OperatorFlag;

/** docs/reference/operator-flags.md, from {@link OperatorFlag}. */
final class OperatorFlagsReference {

  private OperatorFlagsReference() {}

  static String markdown() {
    StringBuilder page = new StringBuilder(GeneratedPages.header("Operator flags", "operator/app/OperatorFlag.java"));
    page.append("""
        Every flag `--NAME VALUE` (or `--NAME=VALUE`) also reads the environment variable `DOTPROXY_NAME` (upper
        case, `-` becomes `_`). Precedence: flag > environment > default. An invalid value exits with code 2 and one
        line that names the setting. The Helm chart sets these from its values (see the
        [Helm values](helm-values.md)); `extraEnv` can set any of them.

        | flag | environment | default | meaning |
        |---|---|---|---|
        """);
    for (OperatorFlag flag : OperatorFlag.values()) {
      page.append("| `--").append(flag.flagName()).append("` | `").append(flag.envName()).append("` | ")
          .append(GeneratedPages.cell(flag.documentedDefault())).append(" | ")
          .append(GeneratedPages.cell(flag.description())).append(" |\n");
    }
    return page.toString();
  }
}
