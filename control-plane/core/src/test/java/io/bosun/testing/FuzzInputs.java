package io.bosun.testing;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.util.List;

/** Fuzz inputs: the fuzzer's own text, or one of the seeds with a few edits the fuzzer chooses. */
public final class FuzzInputs {
  private FuzzInputs() {
  }

  public static String textOrMutatedSeed(FuzzedDataProvider data, List<String> seeds, int maxEdits) {
    if (data.consumeBoolean()) {
      return data.consumeRemainingAsString();
    }
    StringBuilder doc = new StringBuilder(data.pickValue(seeds));
    int edits = data.consumeInt(1, maxEdits);
    for (int i = 0; i < edits && doc.length() > 0; i++) {
      int at = data.consumeInt(0, doc.length() - 1);
      switch (data.consumeInt(0, 2)) {
        case 0 -> doc.deleteCharAt(at);
        case 1 -> doc.insert(at, data.consumeString(16));
        default -> doc.setCharAt(at, data.consumeChar());
      }
    }
    return doc.toString();
  }
}
