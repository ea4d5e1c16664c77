package io.bosun.config;

import com.google.re2j.Pattern;
import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * Estimates the RE2 program size Envoy computes for a regex. Envoy rejects a whole route table
 * (NACK) when one regex's program is over 100 instructions, so Bosun rejects such a regex first.
 *
 * <p>re2j compiles to runes where Envoy's RE2 compiles to UTF-8 bytes, so a character class with
 * several ranges, or with non-ASCII ranges, costs RE2 more instructions than re2j. The estimate
 * adds that cost per class instruction; it errs on the high side (calibrated against Envoy 1.36,
 * see {@code RegexComplexityTest} and {@code RegexLimitIT}).
 */
final class RegexComplexity {
  /** Envoy's default {@code re2.max_program_size.error_level}. */
  static final int ENVOY_MAX_PROGRAM_SIZE = 100;
  /** RE2 frames a program with a few instructions re2j does not count. */
  private static final int FRAME = 3;
  private static final int ANY_CHAR_EXTRA = 8;

  private RegexComplexity() {
  }

  static int estimate(Pattern pattern) {
    int size = pattern.programSize() + FRAME;
    try {
      for (Object inst : instructions(pattern)) {
        size += extra(inst);
      }
      return size;
    } catch (ReflectiveOperationException | RuntimeException e) {
      // Unknown re2j internals: assume every instruction is a costly class.
      return pattern.programSize() * 4;
    }
  }

  private static int extra(Object inst) throws ReflectiveOperationException {
    int op = field(inst, "op").getInt(inst);
    int[] runes = (int[]) field(inst, "runes").get(inst);
    if (op == staticInt(inst.getClass(), "RUNE_ANY") || op == staticInt(inst.getClass(), "RUNE_ANY_NOT_NL")) {
      return ANY_CHAR_EXTRA;
    }
    if ((op != staticInt(inst.getClass(), "RUNE") && op != staticInt(inst.getClass(), "RUNE1")) || runes == null) {
      return 0;
    }
    int cost = 0;
    for (int i = 0; i + 1 < runes.length; i += 2) {
      cost += utf8Cost(runes[i], runes[i + 1]);
    }
    if (runes.length == 1) {
      cost = utf8Cost(runes[0], runes[0]);
    }
    return Math.max(0, cost - 1);
  }

  /** Byte-range instructions for one rune range: one per ASCII range, more per multi-byte span. */
  private static int utf8Cost(int lo, int hi) {
    int cost = 0;
    int[][] spans = {{0, 0x7F, 1}, {0x80, 0x7FF, 3}, {0x800, 0xFFFF, 6}, {0x10000, 0x10FFFF, 6}};
    for (int[] s : spans) {
      if (lo <= s[1] && hi >= s[0]) {
        cost += s[2];
      }
    }
    return cost;
  }

  private static Object[] instructions(Pattern pattern) throws ReflectiveOperationException {
    Object re2 = field(pattern, "re2").get(pattern);
    Object prog = field(re2, "prog").get(re2);
    Object[] inst = (Object[]) field(prog, "inst").get(prog);
    Method numInst = prog.getClass().getDeclaredMethod("numInst");
    numInst.setAccessible(true);
    int n = (int) numInst.invoke(prog);
    Object[] used = new Object[n];
    System.arraycopy(inst, 0, used, 0, n);
    return used;
  }

  private static Field field(Object target, String name) throws NoSuchFieldException {
    Field f = target.getClass().getDeclaredField(name);
    f.setAccessible(true);
    return f;
  }

  private static int staticInt(Class<?> type, String name) throws ReflectiveOperationException {
    Field f = type.getDeclaredField(name);
    f.setAccessible(true);
    return f.getInt(null);
  }
}
