package io.bosun.analyze;

import java.util.List;

/** One cross-resource check: findings about the input, nothing else (no I/O, no state). */
@FunctionalInterface
interface Check {
  List<Message> run(AnalysisInput in);
}
