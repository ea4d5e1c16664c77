package io.bosun.monitoring;

import java.util.List;

/**
 * Bosun's own metric names, in one place: the code registers from these, and the dashboard test
 * checks every query against them. Micrometer adds {@code _total} to counters and
 * {@code _bucket}/{@code _count}/{@code _sum} (and {@code _max}) to histograms.
 */
public final class MetricNames {
  public static final String XDS = "pilot_xds";
  public static final String XDS_PUSHES = "pilot_xds_pushes";
  public static final String XDS_REJECTS = "pilot_total_xds_rejects";
  public static final String PUSH_TIME = "pilot_xds_push_time";
  public static final String CONVERGENCE_TIME = "pilot_proxy_convergence_time";
  public static final String PUSH_TRIGGERS = "pilot_push_triggers";
  public static final String DEBOUNCE_TIME = "pilot_debounce_time";
  public static final String SERVICES = "pilot_services";
  public static final String VIRTUAL_SERVICES = "pilot_virt_services";
  public static final String CONFIG_SIZE = "pilot_xds_config_size_bytes";
  public static final String CONFIG_EVENTS = "pilot_k8s_cfg_events";
  public static final String INJECTION_REQUESTS = "sidecar_injection_requests";
  public static final String INJECTION_SUCCESS = "sidecar_injection_success";
  public static final String INJECTION_FAILURE = "sidecar_injection_failure";
  public static final String INJECTION_SKIP = "sidecar_injection_skip";
  public static final String INFO = "pilot_info";
  public static final String PUSHES = "bosun_push";
  public static final String TRANSLATIONS = "bosun_translations";
  public static final String CONFIG_GENERATION = "bosun_config_generation";
  public static final String CONFIG_RESOURCES = "bosun_config_resources";
  public static final String CONFIG_INVALID = "bosun_config_invalid_resources";
  public static final String CONFIG_ERRORS = "bosun_config_errors";

  /** Every name above. */
  public static final List<String> ALL = List.of(XDS, XDS_PUSHES, XDS_REJECTS, PUSH_TIME, CONVERGENCE_TIME,
      PUSH_TRIGGERS, DEBOUNCE_TIME, SERVICES, VIRTUAL_SERVICES, CONFIG_SIZE, CONFIG_EVENTS, INJECTION_REQUESTS,
      INJECTION_SUCCESS, INJECTION_FAILURE, INJECTION_SKIP, INFO, PUSHES, TRANSLATIONS, CONFIG_GENERATION,
      CONFIG_RESOURCES, CONFIG_INVALID, CONFIG_ERRORS);

  private MetricNames() {
  }
}
