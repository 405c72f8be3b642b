package tech.openrtc.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The repository stands on its own: every Markdown file links only to files inside it. A link
 * ({@code [text](target)}, {@code ![alt](target)}, a reference definition {@code [id]: target}, an
 * autolink or a bare URL) whose target has a URL scheme is external and fails; so does a relative
 * target (anchor stripped) naming no file or directory. A bare {@code #anchor} is fine. Fenced code
 * blocks and inline code spans are not prose and are skipped.
 */
class MarkdownLinksTest {

  private static final Set<String> SKIPPED_DIRS = Set.of("target", ".git", "node_modules");

  private static final Pattern FENCE = Pattern.compile("^ {0,3}(`{3,}|~{3,})");
  private static final Pattern CODE_SPAN = Pattern.compile("(`+)(.+?)(?<!`)\\1(?!`)", Pattern.DOTALL);
  private static final Pattern INLINE_LINK = Pattern.compile("\\[[^\\[\\]]*\\]\\(([^)]*)\\)");
  private static final Pattern REFERENCE_DEFINITION = Pattern.compile("(?m)^ {0,3}\\[[^\\]]+\\]:[ \\t]*(\\S+)");
  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");
  /**
   * A URL left in prose outside any link: GitHub renders {@code https://host...} and
   * {@code <https://host...>} as links ({@code http://<podIP>} names no host and stays text).
   */
  private static final Pattern BARE_URL = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://[^\\s<>]+");
  private static final Pattern AUTOLINK = Pattern.compile("<([A-Za-z][A-Za-z0-9+.-]*:[^>\\s]+)>");

  @Test
  void everyMarkdownFileLinksOnlyToFilesOfTheRepository() throws IOException {
    Path root = Path.of("").toAbsolutePath();
    List<Path> files = markdownFiles(root);
    assertThat(files).as("Markdown files found from " + root).contains(root.resolve("README.md"));

    List<String> problems = new ArrayList<>();
    for (Path file : files) {
      String name = root.relativize(file).toString();
      for (String target : links(Files.readString(file))) {
        String problem = problem(root, file, target);
        if (problem != null) {
          problems.add(name + ": " + target + " (" + problem + ")");
        }
      }
    }
    assertThat(problems).as("links that leave the repository or name no file").isEmpty();
  }

  @Test
  void linksInCodeDoNotCountAndEveryKindOfLinkIsFound() {
    String md = """
        See [the API](docs/api.md#spec) and ![a diagram](img/a.png "title") and [up](#top).
        Not a link: `[x](https://in.a.code.span)` nor ``[y](z.md)``.

        ```yaml
        url: [z](https://in.a.fence)
        ```
        [ref]: https://example.com/ref
        Bare https://example.com/bare, <mailto:someone@example.com> and GET http://<podIP>:8081/worker.
        ~~~
        https://in.a.tilde.fence
        ~~~
        """;

    assertThat(links(md)).containsExactlyInAnyOrder(
        "docs/api.md#spec", "img/a.png", "#top", "https://example.com/ref", "https://example.com/bare",
        "mailto:someone@example.com");
    assertThat(problem(Path.of("/repo"), Path.of("/repo/README.md"), "https://example.com/ref")).isEqualTo("external");
    assertThat(problem(Path.of("/repo"), Path.of("/repo/README.md"), "mailto:someone@example.com")).isEqualTo("external");
    assertThat(problem(Path.of("/repo"), Path.of("/repo/README.md"), "#top")).isNull();
    assertThat(problem(Path.of("/repo"), Path.of("/repo/docs/a.md"), "../none.md#x")).isEqualTo("no such file");
    assertThat(problem(Path.of("/repo"), Path.of("/repo/docs/a.md"), "../../etc/passwd")).isEqualTo("outside the repository");
  }

  private static List<Path> markdownFiles(Path root) throws IOException {
    List<Path> files = new ArrayList<>();
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        return !dir.equals(root) && SKIPPED_DIRS.contains(dir.getFileName().toString())
            ? FileVisitResult.SKIP_SUBTREE
            : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        if (file.getFileName().toString().endsWith(".md")) {
          files.add(file);
        }
        return FileVisitResult.CONTINUE;
      }
    });
    files.sort(null);
    return files;
  }

  /** The link targets in Markdown prose: outside fenced code blocks and code spans. */
  static List<String> links(String markdown) {
    List<String> targets = new ArrayList<>();
    for (String block : prose(markdown)) {
      String text = CODE_SPAN.matcher(block).replaceAll(" ");
      Matcher inline = INLINE_LINK.matcher(text);
      while (inline.find()) {
        targets.add(destination(inline.group(1)));
      }
      text = INLINE_LINK.matcher(text).replaceAll(" ");
      Matcher reference = REFERENCE_DEFINITION.matcher(text);
      while (reference.find()) {
        targets.add(unbracket(reference.group(1)));
      }
      text = REFERENCE_DEFINITION.matcher(text).replaceAll(" ");
      Matcher bare = BARE_URL.matcher(text);
      while (bare.find()) {
        targets.add(bare.group().replaceAll("[.,;:!?)]+$", ""));
      }
      Matcher auto = AUTOLINK.matcher(text);
      while (auto.find()) {
        if (!auto.group(1).contains("://")) { // mailto: and the like; scheme:// ones were found above
          targets.add(auto.group(1));
        }
      }
    }
    return targets;
  }

  /** The paragraphs of the file outside fenced code blocks (code spans do not cross a blank line). */
  private static List<String> prose(String markdown) {
    List<String> blocks = new ArrayList<>();
    StringBuilder block = new StringBuilder();
    String fence = null;
    for (String line : markdown.split("\n", -1)) {
      Matcher m = FENCE.matcher(line);
      if (fence == null && m.find()) {
        fence = m.group(1);
      } else if (fence != null) {
        if (m.find() && m.group(1).charAt(0) == fence.charAt(0) && m.group(1).length() >= fence.length()
            && line.strip().equals(m.group(1))) {
          fence = null;
        }
      } else if (line.isBlank()) {
        blocks.add(block.toString());
        block.setLength(0);
      } else {
        block.append(line).append('\n');
      }
    }
    blocks.add(block.toString());
    return blocks;
  }

  /** {@code <dest> "title"} or {@code dest "title"}: the destination alone. */
  private static String destination(String inParentheses) {
    String s = inParentheses.strip();
    if (s.startsWith("<") && s.indexOf('>') > 0) {
      return s.substring(1, s.indexOf('>'));
    }
    String[] parts = s.split("\\s+", 2);
    return parts[0];
  }

  private static String unbracket(String target) {
    return target.startsWith("<") && target.endsWith(">") ? target.substring(1, target.length() - 1) : target;
  }

  /** Why {@code target}, linked from {@code file}, is not a file of the repository; null when it is one. */
  static String problem(Path root, Path file, String target) {
    if (target.isEmpty()) {
      return "empty target";
    }
    if (SCHEME.matcher(target).find() || target.startsWith("//")) {
      return "external";
    }
    String path = target.replaceFirst("[#?].*$", "");
    if (path.isEmpty()) {
      return null; // #anchor within the same file
    }
    path = URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
    Path resolved = (path.startsWith("/") ? root.resolve(path.substring(1)) : file.getParent().resolve(path)).normalize();
    if (!resolved.startsWith(root)) {
      return "outside the repository";
    }
    return Files.exists(resolved) ? null : "no such file";
  }
}
