package io.bosun.config;

import static io.bosun.config.VirtualServiceConverter.list;

import io.bosun.model.Destination;
import io.bosun.model.RouteActions;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRoute;
import java.util.ArrayList;
import java.util.List;

/** An HTTP route's {@code mirror} (with its percentage, or the older {@code mirrorPercent}) and {@code mirrors}. */
final class MirrorConverter {
  private MirrorConverter() {
  }

  static List<RouteActions.Mirror> mirrors(HTTPRoute r, String field, String ns, Problems problems) {
    PolicyChecks.percent(r.getMirrorPercentage(), field + ".mirrorPercentage.value", problems);
    if (r.getMirrorPercent() != null) {
      if (r.getMirrorPercent() < 0 || r.getMirrorPercent() > 100) {
        problems.error(field + ".mirrorPercent", "must be between 0 and 100");
      }
      problems.warning(field + ".mirrorPercent", "deprecated: use mirrorPercentage");
    }
    List<RouteActions.Mirror> mirrors = new ArrayList<>();
    if (r.getMirror() != null) {
      Destination d = VirtualServiceConverter.destination(r.getMirror(), field + ".mirror", ns, problems);
      double pct = r.getMirrorPercentage() != null && r.getMirrorPercentage().getValue() != null
          ? r.getMirrorPercentage().getValue() : r.getMirrorPercent() != null ? r.getMirrorPercent() : 100;
      if (d != null) {
        mirrors.add(new RouteActions.Mirror(d, pct));
      }
    }
    var mirrorList = list(r.getMirrors());
    for (int i = 0; i < mirrorList.size(); i++) {
      var m = mirrorList.get(i);
      String mf = field + ".mirrors[" + i + "]";
      if (m == null || m.getDestination() == null) {
        problems.error(mf + ".destination", "destination is required");
        continue;
      }
      PolicyChecks.percent(m.getPercentage(), mf + ".percentage.value", problems);
      Destination d = VirtualServiceConverter.destination(m.getDestination(), mf + ".destination", ns, problems);
      if (d != null) {
        mirrors.add(new RouteActions.Mirror(d, m.getPercentage() != null && m.getPercentage().getValue() != null
            ? m.getPercentage().getValue() : 100));
      }
    }
    return mirrors;
  }
}
