package io.bosun.sources.file;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.FileVisitor;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A disk on which chosen paths are unreadable, as {@code chmod 000} makes them for a non-root
 * Bosun (the tests run as root, which no mode stops): reading such a file, or listing such a
 * directory, fails with AccessDeniedException exactly where the real file system would.
 */
final class UnreadableDirs implements FileConfigSource.Disk {
  interface Body {
    void run() throws Exception;
  }

  private final Set<Path> denied = ConcurrentHashMap.newKeySet();

  void withoutPermission(Path p, Body body) throws Exception {
    denied.add(p);
    try {
      body.run();
    } finally {
      denied.remove(p);
    }
  }

  @Override
  public byte[] read(Path p) throws IOException {
    if (denied.contains(p)) {
      throw new AccessDeniedException(p.toString());
    }
    return FileConfigSource.Disk.REAL.read(p);
  }

  @Override
  public void walk(Path root, FileVisitor<Path> visitor) throws IOException {
    FileConfigSource.Disk.REAL.walk(root, new FileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        if (denied.contains(dir)) {
          visitor.visitFileFailed(dir, new AccessDeniedException(dir.toString()));
          return FileVisitResult.SKIP_SUBTREE;
        }
        return visitor.preVisitDirectory(dir, attrs);
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        return visitor.visitFile(file, attrs);
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
        return visitor.visitFileFailed(file, exc);
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
        return visitor.postVisitDirectory(dir, exc);
      }
    });
  }
}
