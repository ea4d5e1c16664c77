package io.bosun.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.bosun.analyze.AnalysisInput;
import io.bosun.analyze.Analyzer;
import io.bosun.analyze.Level;
import io.bosun.analyze.Message;
import io.bosun.config.ConfigStore;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code analyze}: the validator's checks plus cross-resource ones, on files or a live cluster. */
@Command(name = "analyze", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Find problems in Istio config: invalid fields, and references between resources that do not hold.",
        "Reports everything the validator does (BSN0001/BSN0002) plus cross-resource findings with stable codes"
            + " (a destination host or subset that does not exist, a Gateway selecting no pod, two VirtualServices"
            + " for one host, a pod missing its proxy, competing PeerAuthentications...; see docs/analyze.md).",
        "With -f, the files alone are analysed, offline; a file holds part of a mesh, so what it does not define"
            + " is reported missing only where the files hold that kind in that namespace (--complete: everywhere).",
        "Otherwise the cluster is read (all namespaces, as references cross them) and findings about the"
            + " namespace (-n, default: the kubeconfig context's) or all (-A) are shown; -f files then overlay it.",
        "Exits 1 when there is an Error, else 0."},
    footer = {"", "Examples:", "  bosunctl analyze -f samples/bookinfo",
        "  bosunctl analyze -f routing.yaml -f services/ --complete",
        "  bosunctl analyze                      # the current namespace of the cluster",
        "  bosunctl analyze -n shop -o json",
        "  bosunctl analyze -A",
        "  bosunctl analyze -A -f new-routing.yaml   # as if the file were applied"})
final class AnalyzeCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** How to show findings. */
  enum Output { TEXT, JSON, YAML }

  /** Which part of a cluster to report on. */
  static final class Scope {
    @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE",
        description = "Report on this namespace of the cluster.")
    String namespace;

    @Option(names = {"-A", "--all-namespaces"}, description = "Report on every namespace of the cluster.")
    boolean all;
  }

  @Spec
  private CommandSpec spec;

  @Option(names = {"-f", "--file"}, paramLabel = "PATH", arity = "1..*",
      description = "Files, or directories of *.yaml / *.yml; may be repeated.")
  List<Path> files;

  @ArgGroup(exclusive = true)
  Scope scope;

  @Option(names = "--complete", description = "With -f alone: the files are the whole mesh; whatever they do not"
      + " define does not exist.")
  boolean complete;

  @Mixin
  KubeOptions kube = new KubeOptions();

  @Option(names = {"-o", "--output"}, defaultValue = "text", paramLabel = "FORMAT",
      description = "text (one line per finding), json or yaml. Default: ${DEFAULT-VALUE}.")
  Output output;

  @Override
  public Integer call() throws IOException {
    AnalysisInputs inputs = new AnalysisInputs();
    // a path that does not exist is told before the cluster is asked anything
    List<Path> yaml = files == null ? List.of() : YamlFiles.list(files);
    String namespace = null;
    String what;
    if (files == null || scope != null) {
      try (KubernetesClient client = kube.onceClient()) {
        ClusterObjects.Read read = ClusterObjects.read(client);
        read.missing().forEach(k -> spec.commandLine().getErr().println("note: the API server does not serve " + k
            + "; none analysed"));
        inputs.addCluster(read.objects());
        if (scope == null || !scope.all) {
          namespace = scope != null ? scope.namespace : client.getNamespace() == null ? "default"
              : client.getNamespace();
        }
      }
      what = namespace == null ? "all namespaces" : "namespace: " + namespace;
    } else {
      what = String.join(", ", files.stream().map(Path::toString).toList());
    }
    for (Path file : yaml) {
      inputs.addFile(file);
    }
    AnalysisInput input = QuietLog.during(ConfigStore.class, () -> inputs.build(complete));
    String only = namespace;
    List<Message> messages = Analyzer.analyze(input).stream()
        .filter(m -> only == null || m.resource() == null || m.namespace().equals(only)).toList();
    print(messages, what);
    return messages.stream().anyMatch(m -> m.level() == Level.ERROR) ? 1 : 0;
  }

  private void print(List<Message> messages, String what) throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    if (output != Output.TEXT) {
      List<Map<String, Object>> list = messages.stream().map(AnalyzeCommand::fields).toList();
      out.print(output == Output.YAML ? YAML.writeValueAsString(list) : JSON.writeValueAsString(list) + "\n");
    } else if (messages.isEmpty()) {
      out.println("\u2714 No validation issues found when analyzing " + what + ".");
    } else {
      Ansi ansi = spec.commandLine().getColorScheme().ansi();
      for (Message m : messages) {
        out.println(colour(ansi, m.level()) + m.toString().substring(m.level().label().length()));
      }
      out.println(summary(messages) + " when analyzing " + what + ".");
    }
    out.flush();
  }

  /** e.g. "Found 1 error, 2 warnings". */
  static String summary(List<Message> messages) {
    StringBuilder sb = new StringBuilder("Found");
    String sep = " ";
    for (Level level : Level.values()) {
      long n = messages.stream().filter(m -> m.level() == level).count();
      if (n > 0) {
        String word = level.label().toLowerCase(Locale.ROOT);
        sb.append(sep).append(n).append(' ').append(word).append(n == 1 ? "" : "s");
        sep = ", ";
      }
    }
    return sb.toString();
  }

  private static Map<String, Object> fields(Message m) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("code", m.code().id());
    f.put("level", m.level().label());
    f.put("name", m.code().title());
    if (m.resource() != null) {
      f.put("kind", m.resource().kind().kindName());
      f.put("namespace", m.resource().namespace());
      f.put("resource", m.resource().name());
    }
    f.put("field", m.field());
    f.put("message", m.text());
    f.put("source", m.source());
    return f;
  }

  private static String colour(Ansi ansi, Level level) {
    return switch (level) {
      case ERROR -> ansi.string("@|bold,red Error|@");
      case WARNING -> ansi.string("@|yellow Warning|@");
      case INFO -> level.label();
    };
  }
}
