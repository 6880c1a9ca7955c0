package io.dotproxy.operator.coredns;

/** The Corefile has a shape the patcher will not edit, because it could not promise to undo the edit. */
public class CorefileNotUnderstoodException extends Exception {

  public CorefileNotUnderstoodException(String reason) {
    super(reason);
  }
}
