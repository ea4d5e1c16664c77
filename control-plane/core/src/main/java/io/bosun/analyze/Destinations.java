package io.bosun.analyze;

import io.bosun.model.Destination;
import io.bosun.model.HttpRoute;
import io.bosun.model.L4Route;
import io.bosun.model.RouteActions;
import io.bosun.model.RouteDestination;
import io.bosun.model.VirtualService;
import java.util.ArrayList;
import java.util.List;

/** Every destination of a VirtualService, with the field path a finding about it names. */
final class Destinations {
  /**
   * One destination.
   *
   * @param field  {@code spec.http[0].route[1].destination}; for a mirror, its route ({@code spec.http[0]}),
   *               since {@code mirror} and {@code mirrors} both become the model's list
   * @param mirror a mirror, which gets a copy of the traffic, not the traffic
   */
  record Target(String field, Destination destination, boolean mirror) {
    /** The path of one field of the destination ({@code host}, {@code subset}, {@code port}). */
    String at(String name) {
      return mirror ? field : field + "." + name;
    }
  }

  private Destinations() {
  }

  static List<Target> of(VirtualService vs) {
    List<Target> out = new ArrayList<>();
    for (int i = 0; i < vs.http().size(); i++) {
      HttpRoute r = vs.http().get(i);
      add(r.route(), "spec.http[" + i + "].route", out);
      for (RouteActions.Mirror m : r.mirrors()) {
        out.add(new Target("spec.http[" + i + "]", m.destination(), true));
      }
    }
    l4(vs.tcp(), "spec.tcp", out);
    l4(vs.tls(), "spec.tls", out);
    return out;
  }

  private static void l4(List<L4Route> routes, String field, List<Target> out) {
    for (int i = 0; i < routes.size(); i++) {
      add(routes.get(i).route(), field + "[" + i + "].route", out);
    }
  }

  private static void add(List<RouteDestination> route, String field, List<Target> out) {
    for (int j = 0; j < route.size(); j++) {
      out.add(new Target(field + "[" + j + "].destination", route.get(j).destination(), false));
    }
  }
}
