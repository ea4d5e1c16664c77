package io.bosun.analyze;

import io.bosun.model.Gateway;
import io.bosun.model.GatewayServer;
import io.bosun.model.Hosts;
import io.bosun.model.Service;
import io.bosun.model.VirtualService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What a VirtualService bound to a Gateway needs that a sidecar's does not.
 * BSN0111: a destination without port to a service with several: a sidecar routes by the port it
 * intercepted, a gateway has only its own listener port, so the request goes to no cluster.
 * BSN0112: a host that none of its Gateways' servers admits (host and {@code ns/} part), so the
 * VirtualService never applies there.
 */
final class GatewayDestinations implements Check {
  @Override
  public List<Message> run(AnalysisInput in) {
    Map<String, Gateway> gateways = in.gateways().stream()
        .collect(Collectors.toMap(Gateway::qualifiedName, Function.identity()));
    List<Message> out = new ArrayList<>();
    for (VirtualService vs : in.virtualServices()) {
      List<Gateway> bound = vs.gateways().stream().map(gateways::get).filter(Objects::nonNull).toList();
      if (vs.isDelegate() || vs.gateways().stream().allMatch(VirtualService.MESH::equals)) {
        continue;
      }
      for (Destinations.Target t : Destinations.of(vs)) {
        Service s = in.registry().service(t.destination().host());
        if (t.destination().port() == 0 && s != null && s.ports().size() > 1) {
          out.add(new Message(Code.DESTINATION_PORT_REQUIRED, vs.ref(), t.at("port"), "The destination "
              + s.hostname() + " has " + s.ports().size() + " ports and the VirtualService is bound to a gateway:"
              + " name the port (destination.port.number)"));
        }
      }
      for (Gateway g : bound) {
        for (int i = 0; i < vs.hosts().size(); i++) {
          String host = vs.hosts().get(i);
          if (g.servers().stream().noneMatch(server -> admits(server, g, vs, host))) {
            out.add(new Message(Code.HOST_NOT_IN_GATEWAY, vs.ref(), "spec.hosts[" + i + "]", "The host \"" + host
                + "\" is admitted by no server of Gateway " + g.qualifiedName() + "; the routes do not apply there"));
          }
        }
      }
    }
    return out;
  }

  /** A server host {@code [ns/]host}: {@code ns} is {@code *} (or absent), {@code .} (the Gateway's) or a name. */
  private static boolean admits(GatewayServer server, Gateway g, VirtualService vs, String host) {
    for (String entry : server.hosts()) {
      int slash = entry.indexOf('/');
      String ns = slash < 0 ? "*" : entry.substring(0, slash);
      String pattern = entry.substring(slash + 1);
      boolean namespace = ns.equals("*") || ns.equals(vs.ref().namespace())
          || ns.equals(".") && g.ref().namespace().equals(vs.ref().namespace());
      if (namespace && (host.equals("*") || Hosts.matches(pattern, host))) {
        return true;
      }
    }
    return false;
  }
}
