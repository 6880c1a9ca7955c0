package io.dotproxy.operator.coredns;

import java.util.ArrayList;
import java.util.List;

/**
 * Just enough of the Corefile (Caddyfile) grammar to find server blocks and their top-level directives.
 *
 * <p>It is deliberately strict: braces must open at the end of a line and close on a line of their own,
 * which is how every distribution writes the Corefile. Anything else is reported as not understood, so
 * the patcher never edits a file it cannot restore.
 */
final class ServerBlocks {

  /** A top-level directive of a server block, spanning {@code firstLine..lastLine} (inclusive). */
  record Directive(String name, List<String> args, int firstLine, int lastLine) {}

  /** A server block: its keys (e.g. ".:53"), the line of its opening and of its closing brace. */
  record ServerBlock(List<String> keys, int openLine, int closeLine, List<Directive> directives) {}

  private ServerBlocks() {}

  static List<ServerBlock> parse(List<String> lines) throws CorefileNotUnderstoodException {
    List<ServerBlock> blocks = new ArrayList<>();
    int depth = 0;
    List<String> keys = null;
    int openLine = -1;
    List<Directive> directives = new ArrayList<>();
    Directive pending = null; // a directive with its own { } block, waiting for its closing line

    for (int i = 0; i < lines.size(); i++) {
      List<String> tokens = tokens(lines.get(i), i);
      if (tokens.isEmpty()) {
        continue;
      }
      boolean opens = tokens.get(tokens.size() - 1).equals("{");
      boolean closes = tokens.size() == 1 && tokens.get(0).equals("}");
      List<String> words = opens ? tokens.subList(0, tokens.size() - 1) : tokens;
      if (!closes && words.stream().anyMatch(w -> w.contains("{") || w.contains("}"))) {
        throw new CorefileNotUnderstoodException(
            "line " + (i + 1) + " has braces inside a line, which dotproxy does not edit around");
      }
      if (closes) {
        if (depth == 0) {
          throw new CorefileNotUnderstoodException("line " + (i + 1) + " closes a block that was never opened");
        }
        depth--;
        if (depth == 1 && pending != null) {
          directives.add(new Directive(pending.name(), pending.args(), pending.firstLine(), i));
          pending = null;
        } else if (depth == 0) {
          if (keys != null) {
            blocks.add(new ServerBlock(keys, openLine, i, List.copyOf(directives)));
          }
          keys = null;
          directives = new ArrayList<>();
        }
        continue;
      }
      if (depth == 0) {
        if (!opens) {
          throw new CorefileNotUnderstoodException(
              "line " + (i + 1) + " is outside any server block and does not open one");
        }
        // "(name) {" defines a snippet, which is not a server block.
        keys = words.get(0).startsWith("(") ? null : List.copyOf(words);
        openLine = i;
      } else if (depth == 1 && keys != null) {
        var directive = new Directive(words.get(0), List.copyOf(words.subList(1, words.size())), i, i);
        if (opens) {
          pending = directive;
        } else {
          directives.add(directive);
        }
      }
      if (opens) {
        depth++;
      }
    }
    if (depth != 0) {
      throw new CorefileNotUnderstoodException("a block is opened but never closed");
    }
    return blocks;
  }

  /** The words of a line without its comment; quoted words are kept whole. */
  private static List<String> tokens(String line, int index) throws CorefileNotUnderstoodException {
    List<String> tokens = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean quoted = false;
    for (int c = 0; c < line.length(); c++) {
      char ch = line.charAt(c);
      if (quoted) {
        if (ch == '\\' && c + 1 < line.length()) {
          word.append(ch).append(line.charAt(++c));
        } else {
          word.append(ch);
          quoted = ch != '"';
        }
      } else if (ch == '"') {
        word.append(ch);
        quoted = true;
      } else if (Character.isWhitespace(ch)) {
        flush(word, tokens);
      } else if (ch == '#' && word.length() == 0) {
        break;
      } else {
        word.append(ch);
      }
    }
    if (quoted) {
      throw new CorefileNotUnderstoodException("line " + (index + 1) + " has an unterminated quote");
    }
    flush(word, tokens);
    return tokens;
  }

  private static void flush(StringBuilder word, List<String> tokens) {
    if (word.length() > 0) {
      tokens.add(word.toString());
      word.setLength(0);
    }
  }

  /** Whether a server key (".", ".:53", "dns://.:53") is the root zone on the DNS port. */
  static boolean isRootZoneOnPort53(String key) {
    String k = key.startsWith("dns://") ? key.substring("dns://".length()) : key;
    return k.equals(".") || k.equals(".:53");
  }
}
