package io.dotproxy.operator.coredns;

/** The result of patching a Corefile: the new text, or why it was left alone. */
public sealed interface PatchOutcome {

  /** The Corefile with this proxy's block in place; equal to the input when it was already patched. */
  record Patched(String corefile) implements PatchOutcome {}

  /** The Corefile was not touched; {@code reason} is meant for a status condition. */
  record Refused(String reason) implements PatchOutcome {}
}
