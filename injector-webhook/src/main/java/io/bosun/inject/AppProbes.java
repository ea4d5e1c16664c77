package io.bosun.inject;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.Probe;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The apps' probes, rewritten as Istio rewrites them: an httpGet, tcpSocket or gRPC probe (and an
 * httpGet or tcpSocket lifecycle hook) becomes an httpGet of the proxy's status port at
 * {@code /app-health/<container>/readyz|livez|startupz} (hooks: {@code /app-lifecycle/<container>/
 * prestopz|poststartz}), and the original moves into the proxy. There the status listener answers it
 * by checking the app from {@code 127.0.0.6}, the source interception never captures, so the kubelet's
 * plain-text probe still works when the app's port requires mutual TLS.
 */
final class AppProbes {
  /** The proxy's environment variable that carries the original probes (Istio's name and format). */
  static final String ENV = "ISTIO_KUBE_APP_PROBERS";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How the status listener checks the app. */
  enum Check { HTTP, HTTPS, TCP, GRPC }

  /**
   * One rewritten probe.
   *
   * @param path       where the status port answers it
   * @param port       the app's port (named ports resolved)
   * @param target     the app's path and query (HTTP), else empty
   * @param host       the probe's own Host header, or null
   * @param service    the gRPC health service name, or empty
   * @param timeoutSeconds the probe's timeout, 0 for a lifecycle hook (no timeout of its own)
   * @param periodSeconds  how often the kubelet asks (how often TCP and gRPC are checked)
   */
  record AppProbe(String path, Check check, int port, String target, String host, String service, int timeoutSeconds,
                  int periodSeconds) {
  }

  private AppProbes() {
  }

  /**
   * Rewrites the probes of every container but the proxy and its init container, in place, and
   * returns what the status port must answer. A probe whose named port no container port names, or
   * that already points at the status port, is left alone (as Istio leaves it).
   */
  static List<AppProbe> rewrite(List<Container> containers, int statusPort) {
    List<AppProbe> out = new ArrayList<>();
    for (Container c : containers) {
      if (c.getName() == null || c.getName().equals(InjectionPolicy.PROXY_NAME)
          || c.getName().equals(InjectionPolicy.INIT_NAME)) {
        continue;
      }
      String base = "/app-health/" + c.getName() + "/";
      c.setReadinessProbe(probe(c, c.getReadinessProbe(), base + "readyz", statusPort, out));
      c.setLivenessProbe(probe(c, c.getLivenessProbe(), base + "livez", statusPort, out));
      c.setStartupProbe(probe(c, c.getStartupProbe(), base + "startupz", statusPort, out));
      if (c.getLifecycle() != null) {
        String hooks = "/app-lifecycle/" + c.getName() + "/";
        c.getLifecycle().setPreStop(hook(c, c.getLifecycle().getPreStop(), hooks + "prestopz", statusPort, out));
        c.getLifecycle().setPostStart(hook(c, c.getLifecycle().getPostStart(), hooks + "poststartz", statusPort,
            out));
      }
    }
    return out;
  }

  /** {@value #ENV}: the original probes by path, as JSON with the ports resolved. */
  static String json(List<AppProbe> probes) {
    Map<String, ObjectNode> byPath = new TreeMap<>();
    for (AppProbe p : probes) {
      ObjectNode n = JSON.createObjectNode();
      switch (p.check()) {
        case HTTP, HTTPS -> {
          ObjectNode get = n.putObject("httpGet").put("path", p.target()).put("port", p.port())
              .put("scheme", p.check().name());
          if (p.host() != null) {
            get.putArray("httpHeaders").addObject().put("name", "Host").put("value", p.host());
          }
        }
        case TCP -> n.putObject("tcpSocket").put("port", p.port());
        case GRPC -> {
          ObjectNode grpc = n.putObject("grpc").put("port", p.port());
          if (!p.service().isEmpty()) {
            grpc.put("service", p.service());
          }
        }
        default -> throw new IllegalStateException(p.check().name());
      }
      if (p.timeoutSeconds() > 0) {
        n.put("timeoutSeconds", p.timeoutSeconds());
      }
      byPath.put(p.path(), n);
    }
    ObjectNode all = JSON.createObjectNode();
    byPath.forEach(all::set);
    return all.toString();
  }

  private static Probe probe(Container c, Probe probe, String path, int statusPort, List<AppProbe> out) {
    if (probe == null) {
      return null;
    }
    int timeout = probe.getTimeoutSeconds() == null ? 1 : probe.getTimeoutSeconds();
    int period = probe.getPeriodSeconds() == null ? 10 : probe.getPeriodSeconds();
    AppProbe p = null;
    if (probe.getHttpGet() != null) {
      p = http(c, probe.getHttpGet(), path, timeout, period, statusPort);
    } else if (probe.getTcpSocket() != null) {
      Integer port = port(c, probe.getTcpSocket().getPort(), statusPort);
      p = port == null ? null : new AppProbe(path, Check.TCP, port, "", null, "", timeout, period);
    } else if (probe.getGrpc() != null && probe.getGrpc().getPort() != null
        && probe.getGrpc().getPort() != statusPort) {
      String service = probe.getGrpc().getService() == null ? "" : probe.getGrpc().getService();
      p = new AppProbe(path, Check.GRPC, probe.getGrpc().getPort(), "", null, service, timeout, period);
    }
    if (p == null) {
      return probe;
    }
    out.add(p);
    probe.setHttpGet(statusGet(probe.getHttpGet(), path, statusPort));
    probe.setTcpSocket(null);
    probe.setGrpc(null);
    return probe;
  }

  private static LifecycleHandler hook(Container c, LifecycleHandler hook, String path, int statusPort,
                                       List<AppProbe> out) {
    if (hook == null) {
      return null;
    }
    AppProbe p = null;
    if (hook.getHttpGet() != null) {
      p = http(c, hook.getHttpGet(), path, 0, 0, statusPort);
    } else if (hook.getTcpSocket() != null) {
      Integer port = port(c, hook.getTcpSocket().getPort(), statusPort);
      p = port == null ? null : new AppProbe(path, Check.TCP, port, "", null, "", 0, 0);
    }
    if (p == null) {
      return hook;
    }
    out.add(p);
    hook.setHttpGet(statusGet(hook.getHttpGet(), path, statusPort));
    hook.setTcpSocket(null);
    return hook;
  }

  private static AppProbe http(Container c, HTTPGetAction get, String path, int timeout, int period, int statusPort) {
    Integer port = port(c, get.getPort(), statusPort);
    if (port == null) {
      return null;
    }
    String target = get.getPath() == null || get.getPath().isEmpty() ? "/" : get.getPath();
    if (!target.startsWith("/")) {
      target = "/" + target;
    }
    String host = null;
    for (HTTPHeader h : InjectionPolicy.list(get.getHttpHeaders())) {
      if (h.getName() != null && h.getName().equalsIgnoreCase("host")) {
        host = h.getValue();
      }
    }
    Check check = "HTTPS".equalsIgnoreCase(get.getScheme()) ? Check.HTTPS : Check.HTTP;
    return new AppProbe(path, check, port, target, host, "", timeout, period);
  }

  /** The kubelet's side: the same request (headers, host) to the status port; HTTPS becomes HTTP there. */
  private static HTTPGetAction statusGet(HTTPGetAction original, String path, int statusPort) {
    HTTPGetAction get = original == null ? new HTTPGetAction() : original;
    get.setPath(path);
    get.setPort(new IntOrString(statusPort));
    if (get.getScheme() != null && get.getScheme().toUpperCase(Locale.ROOT).equals("HTTPS")) {
      get.setScheme("HTTP");
    }
    return get;
  }

  /** The port as a number: a name is looked up in the container's ports; null when unknown or already rewritten. */
  private static Integer port(Container c, IntOrString port, int statusPort) {
    if (port == null) {
      return null;
    }
    Integer n = port.getIntVal();
    if (n == null && port.getStrVal() != null) {
      String s = port.getStrVal();
      if (s.matches("[0-9]{1,5}")) {
        n = Integer.parseInt(s);
      } else {
        for (ContainerPort p : InjectionPolicy.list(c.getPorts())) {
          if (s.equals(p.getName())) {
            n = p.getContainerPort();
          }
        }
      }
    }
    return n == null || n == statusPort || n < 1 || n > 65535 ? null : n;
  }
}
