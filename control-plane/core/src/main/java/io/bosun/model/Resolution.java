package io.bosun.model;

/** How a service's endpoints are found; Kubernetes Services are EDS (STATIC). */
public enum Resolution { STATIC, NONE, DNS, DNS_ROUND_ROBIN }
