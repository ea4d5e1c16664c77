package io.bosun.analyze;

import io.bosun.model.DestinationRule;
import io.bosun.model.Service;
import io.bosun.model.Subset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * BSN0105: a DestinationRule subset whose labels match no workload of its host: requests routed to
 * it find no endpoint (503, no healthy upstream). Skipped where the input cannot know the workloads.
 */
final class SubsetPods implements Check {
  @Override
  public List<Message> run(AnalysisInput in) {
    List<Message> out = new ArrayList<>();
    for (DestinationRule dr : in.destinationRules()) {
      Service service = in.registry().service(dr.host());
      if (service == null || dr.subsets().isEmpty()) {
        continue;
      }
      Optional<List<Map<String, String>>> workloads = Workloads.behind(in, service);
      if (workloads.isEmpty()) {
        continue;
      }
      for (int i = 0; i < dr.subsets().size(); i++) {
        Subset s = dr.subsets().get(i);
        if (workloads.get().stream().noneMatch(labels -> Workloads.includes(labels, s.labels()))) {
          out.add(new Message(Code.SUBSET_SELECTS_NO_POD, dr.ref(), "spec.subsets[" + i + "]",
              "The subset " + s.name() + " (labels " + Workloads.render(s.labels()) + ") selects no pod of "
                  + dr.host() + "; requests routed to it fail with 503 (no healthy upstream)"));
        }
      }
    }
    return out;
  }
}
