package io.bosun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * How bosunctl reaches a pod's port: through the API server's pod port-forward (as {@code kubectl
 * port-forward} does), or directly at an address the user gives; and a plain HTTP GET with errors
 * a user can act on.
 */
final class KubeAccess {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

  private KubeAccess() {
  }

  /** A base URL ({@code http://127.0.0.1:PORT}) that reaches a pod's port until closed. */
  record Tunnel(String base, Closeable forward) implements AutoCloseable {
    @Override
    public void close() {
      try {
        forward.close();
      } catch (IOException e) {
        // the tunnel is local; nothing to tell the user
      }
    }
  }

  /** A tunnel to {@code host:port} itself. */
  static Tunnel direct(String hostPort) {
    if (!hostPort.matches("[^\\s/]+:[0-9]{1,5}")) {
      throw new IllegalArgumentException("\"" + hostPort + "\" is not HOST:PORT");
    }
    return new Tunnel("http://" + hostPort, () -> { });
  }

  /** Port-forwards to {@code namespace/pod}'s {@code port}, after checking the pod exists and runs. */
  static Tunnel forward(KubernetesClient client, String namespace, String pod, int port) {
    Pod p;
    try {
      p = client.pods().inNamespace(namespace).withName(pod).get();
    } catch (KubernetesClientException e) {
      throw new CommandFailure("cannot read pod " + namespace + "/" + pod + " from the API server ("
          + client.getMasterUrl() + "): " + e.getMessage(), e);
    }
    if (p == null) {
      throw new CommandFailure("pod " + pod + " not found in namespace " + namespace);
    }
    if (p.getStatus() == null || !"Running".equals(p.getStatus().getPhase())) {
      throw new CommandFailure("pod " + namespace + "/" + pod + " is not running (phase "
          + (p.getStatus() == null ? "unknown" : p.getStatus().getPhase()) + ")");
    }
    LocalPortForward forward;
    try {
      forward = client.pods().inNamespace(namespace).withName(pod).portForward(port);
    } catch (KubernetesClientException e) {
      throw new CommandFailure("the API server refused a port-forward to " + namespace + "/" + pod + " port "
          + port + ": " + e.getMessage(), e);
    }
    return new Tunnel("http://127.0.0.1:" + forward.getLocalPort(), forward);
  }

  /** Ready pods labelled {@code app=bosun} in {@code namespace}, by name. */
  static List<String> readyBosunPods(KubernetesClient client, String namespace) {
    List<Pod> pods;
    try {
      pods = client.pods().inNamespace(namespace).withLabel("app", "bosun").list().getItems();
    } catch (KubernetesClientException e) {
      throw new CommandFailure("cannot list Bosun's pods in " + namespace + ": " + e.getMessage(), e);
    }
    List<String> ready = pods.stream()
        .filter(p -> p.getStatus() != null && p.getStatus().getConditions() != null
            && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
        .map(p -> p.getMetadata().getName())
        .sorted()
        .toList();
    if (ready.isEmpty()) {
      throw new CommandFailure("no ready Bosun pod (label app=bosun) in namespace " + namespace
          + " (see --bosun-namespace, or --bosun-address to reach Bosun directly)");
    }
    return ready;
  }

  /** GETs {@code base + path}; {@code what} names the server in errors ("Envoy admin of pod x"). */
  static String get(String base, String path, String what) {
    return send(base, "GET", path, what);
  }

  /** GETs {@code base + path} and reads it as JSON. */
  static JsonNode getJson(String base, String path, String what) {
    String body = get(base, path, what);
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new CommandFailure(what + " answered " + path + " with something other than JSON", e);
    }
  }

  /** Sends an empty-bodied {@code method} (GET, PUT, POST) to {@code base + path}; the body of a 200. */
  static String send(String base, String method, String path, String what) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT)
        .method(method, HttpRequest.BodyPublishers.noBody()).build();
    HttpResponse<String> response;
    try {
      response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new CommandFailure("cannot reach " + what + " at " + base + ": "
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommandFailure("interrupted while reading " + what, e);
    }
    if (response.statusCode() != 200) {
      throw new CommandFailure(what + " answered " + path + " with HTTP " + response.statusCode() + ": "
          + response.body().strip());
    }
    return response.body();
  }
}
