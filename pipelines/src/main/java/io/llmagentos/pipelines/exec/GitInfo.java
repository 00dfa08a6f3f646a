package io.llmagentos.pipelines.exec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The git commit of the working directory's repository, read from .git without running git (null outside one). */
final class GitInfo {
    private GitInfo() {
    }

    static String sha() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path git = dir.resolve(".git");
            try {
                if (Files.isRegularFile(git)) { // a worktree: "gitdir: PATH"
                    String s = Files.readString(git, StandardCharsets.UTF_8).strip();
                    if (s.startsWith("gitdir:")) {
                        return head(Path.of(s.substring(7).strip()));
                    }
                } else if (Files.isDirectory(git)) {
                    return head(git);
                }
            } catch (IOException e) {
                return null;
            }
            dir = dir.getParent();
        }
        return null;
    }

    private static String head(Path gitDir) throws IOException {
        String head = Files.readString(gitDir.resolve("HEAD"), StandardCharsets.UTF_8).strip();
        if (!head.startsWith("ref:")) {
            return head;
        }
        String ref = head.substring(4).strip();
        for (Path base : new Path[] {gitDir, commonDir(gitDir)}) {
            Path f = base.resolve(ref);
            if (Files.exists(f)) {
                return Files.readString(f, StandardCharsets.UTF_8).strip();
            }
            Path packed = base.resolve("packed-refs");
            if (Files.exists(packed)) {
                for (String line : Files.readAllLines(packed, StandardCharsets.UTF_8)) {
                    if (line.endsWith(" " + ref)) {
                        return line.substring(0, line.indexOf(' '));
                    }
                }
            }
        }
        return null;
    }

    private static Path commonDir(Path gitDir) throws IOException {
        Path c = gitDir.resolve("commondir");
        return Files.exists(c) ? gitDir.resolve(Files.readString(c, StandardCharsets.UTF_8).strip()).normalize() : gitDir;
    }
}
