package io.dotproxy.operator.uninstall;

import io.dotproxy.operator.app.InvalidSettingException;
import io.dotproxy.operator.app.OperatorSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code operator.jar uninstall} is told: the operator's own settings (the same flags and
 * environment as the Deployment it undoes, so it finds the same namespaces, CoreDNS ConfigMap, Lease and
 * webhook Secret) and the name of that Deployment ({@code --deployment}, default {@value #DEFAULT_DEPLOYMENT}).
 */
public record UninstallSettings(OperatorSettings operator, String deployment) {

  public static final String COMMAND = "uninstall";
  static final String DEFAULT_DEPLOYMENT = "dotproxy-operator";
  static final String DEPLOYMENT_FLAG = "--deployment";

  /** @param args what follows {@value #COMMAND} on the command line */
  public static UninstallSettings parse(String[] args, Map<String, String> env) {
    String deployment = DEFAULT_DEPLOYMENT;
    List<String> operatorArgs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals(DEPLOYMENT_FLAG) || args[i].startsWith(DEPLOYMENT_FLAG + "=")) {
        String value = args[i].contains("=") ? args[i].substring(args[i].indexOf('=') + 1)
            : i + 1 < args.length ? args[++i] : "";
        if (!value.matches("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") || value.length() > 253) {
          throw new InvalidSettingException(DEPLOYMENT_FLAG + ": '" + value + "' is not the name of a Deployment");
        }
        deployment = value;
      } else {
        operatorArgs.add(args[i]);
      }
    }
    return new UninstallSettings(OperatorSettings.parse(operatorArgs.toArray(String[]::new), env), deployment);
  }

  /** Where the operator's Deployment, Lease and webhook Secret are. */
  public String operatorNamespace() {
    return operator.webhook().operatorNamespace().orElse("default");
  }

  public String leaseNamespace() {
    return operator.leaseNamespace().orElse(operatorNamespace());
  }
}
