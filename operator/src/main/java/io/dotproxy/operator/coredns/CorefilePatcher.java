package io.dotproxy.operator.coredns;

import io.dotproxy.operator.coredns.ServerBlocks.Directive;
import io.dotproxy.operator.coredns.ServerBlocks.ServerBlock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Makes the default zone of a Corefile forward to a dotproxy fleet, and undoes that exactly.
 *
 * <p>CoreDNS allows one {@code forward} per server block, so the existing {@code forward .} lines of the
 * root server block are moved into the marked block as comments ({@code #|} followed by the original
 * line, byte for byte) and the block adds its own {@code forward}. Removing the block puts the saved
 * lines back, which restores the original Corefile exactly. Patching always starts from the reverted
 * text, so patching twice gives the same result as patching once.
 */
public final class CorefilePatcher {

  /** Prefix of an original Corefile line saved inside a marked block. */
  static final String SAVED_LINE_PREFIX = "#|";

  private CorefilePatcher() {}

  /** The Corefile with {@code owner}'s block forwarding the default zone to {@code forwardTo}. */
  public static PatchOutcome patch(String corefile, BlockOwner owner, String forwardTo) {
    try {
      Set<BlockOwner> others = new LinkedHashSet<>(owners(corefile));
      others.remove(owner);
      if (!others.isEmpty()) {
        return new PatchOutcome.Refused(
            "the Corefile already forwards to the fleet of DnsOverTlsProxy " + others.iterator().next()
                + "; only one fleet can serve the default zone");
      }
      List<String> lines = CorefileLines.split(revert(corefile, owner));
      insertBlock(lines, owner, forwardTo);
      return new PatchOutcome.Patched(CorefileLines.join(lines));
    } catch (CorefileNotUnderstoodException e) {
      return new PatchOutcome.Refused("the Corefile cannot be patched safely: " + e.getMessage());
    }
  }

  /** The Corefile without {@code owner}'s block, with the lines the block replaced put back. */
  public static String revert(String corefile, BlockOwner owner) throws CorefileNotUnderstoodException {
    List<String> lines = CorefileLines.split(corefile);
    Optional<int[]> block = findBlock(lines, owner);
    if (block.isEmpty()) {
      return corefile;
    }
    int begin = block.get()[0];
    int end = block.get()[1];
    List<String> restored = new ArrayList<>(lines.subList(0, begin));
    for (String line : lines.subList(begin + 1, end)) {
      String stripped = line.stripLeading();
      if (stripped.startsWith(SAVED_LINE_PREFIX)) {
        restored.add(stripped.substring(SAVED_LINE_PREFIX.length()));
      }
    }
    restored.addAll(lines.subList(end + 1, lines.size()));
    return CorefileLines.join(restored);
  }

  /** The DnsOverTlsProxies that have a block in the Corefile. */
  public static Set<BlockOwner> owners(String corefile) {
    Set<BlockOwner> owners = new LinkedHashSet<>();
    for (String line : CorefileLines.split(corefile)) {
      BlockOwner.ofBeginMarker(line.strip()).ifPresent(owners::add);
    }
    return owners;
  }

  private static Optional<int[]> findBlock(List<String> lines, BlockOwner owner)
      throws CorefileNotUnderstoodException {
    int begin = -1;
    for (int i = 0; i < lines.size(); i++) {
      String stripped = lines.get(i).strip();
      if (stripped.equals(owner.beginMarker())) {
        if (begin >= 0) {
          throw new CorefileNotUnderstoodException("the marker '" + owner.beginMarker() + "' appears twice");
        }
        begin = i;
      } else if (stripped.equals(owner.endMarker())) {
        if (begin < 0) {
          throw new CorefileNotUnderstoodException("'" + owner.endMarker() + "' comes before its begin marker");
        }
        return Optional.of(new int[] {begin, i});
      }
    }
    if (begin >= 0) {
      throw new CorefileNotUnderstoodException("'" + owner.beginMarker() + "' has no end marker");
    }
    return Optional.empty();
  }

  private static void insertBlock(List<String> lines, BlockOwner owner, String forwardTo)
      throws CorefileNotUnderstoodException {
    ServerBlock root = rootServerBlock(lines);
    List<Directive> forwards = root.directives().stream().filter(d -> d.name().equals("forward")).toList();
    if (forwards.size() > 1) {
      throw new CorefileNotUnderstoodException("the default server block has more than one forward");
    }
    int first;
    int last;
    String indent;
    if (forwards.isEmpty()) {
      // Nothing to replace: the block goes right before the server block's closing brace.
      first = root.closeLine();
      last = root.closeLine() - 1;
      indent = root.directives().isEmpty()
          ? CorefileLines.indentOf(lines.get(root.openLine())) + "    "
          : CorefileLines.indentOf(lines.get(root.directives().get(0).firstLine()));
    } else {
      Directive forward = forwards.get(0);
      if (forward.args().isEmpty() || !forward.args().get(0).equals(".")) {
        throw new CorefileNotUnderstoodException(
            "the default server block forwards only part of the namespace (forward "
                + String.join(" ", forward.args()) + ")");
      }
      first = forward.firstLine();
      last = forward.lastLine();
      indent = CorefileLines.indentOf(lines.get(first));
    }
    String cr = CorefileLines.carriageReturnOf(lines.get(root.openLine()));
    List<String> block = new ArrayList<>();
    block.add(indent + owner.beginMarker() + cr);
    for (String original : lines.subList(first, last + 1)) {
      block.add(indent + SAVED_LINE_PREFIX + original);
    }
    block.add(indent + "forward . " + forwardTo + cr);
    block.add(indent + owner.endMarker() + cr);
    lines.subList(first, last + 1).clear();
    lines.addAll(first, block);
  }

  private static ServerBlock rootServerBlock(List<String> lines) throws CorefileNotUnderstoodException {
    List<ServerBlock> roots = ServerBlocks.parse(lines).stream()
        .filter(b -> b.keys().stream().anyMatch(ServerBlocks::isRootZoneOnPort53))
        .toList();
    if (roots.isEmpty()) {
      throw new CorefileNotUnderstoodException("it has no server block for the default zone (.:53)");
    }
    if (roots.size() > 1) {
      throw new CorefileNotUnderstoodException("it has " + roots.size() + " server blocks for the default zone (.:53)");
    }
    return roots.get(0);
  }
}
