package io.bosun.model;

import java.util.regex.Pattern;

/** Istio's host name rules: short names resolve against the resource's namespace. */
public final class Hosts {
  private static final Pattern DNS_NAME =
      Pattern.compile("^(\\*|\\*\\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
  private static final Pattern IPV4 = Pattern.compile("^(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})$");

  private Hosts() {
  }

  /**
   * {@code reviews} in namespace {@code default} is {@code reviews.default.svc.cluster.local}; names with a dot
   * stay.
   */
  public static String resolve(String host, String namespace) {
    if (host.equals("*") || host.contains(".")) {
      return host;
    }
    return ServiceRegistry.fqdn(host, namespace);
  }

  public static boolean isValidName(String host) {
    return host.equals("*") || (host.length() <= 253 && DNS_NAME.matcher(host).matches()) || isIpv4(host);
  }

  public static boolean isIpv4(String s) {
    var m = IPV4.matcher(s);
    if (!m.matches()) {
      return false;
    }
    for (int i = 1; i <= 4; i++) {
      if (Integer.parseInt(m.group(i)) > 255) {
        return false;
      }
    }
    return true;
  }

  /** An IPv4 address or CIDR block. */
  public static boolean isIpv4OrCidr(String s) {
    int slash = s.indexOf('/');
    if (slash < 0) {
      return isIpv4(s);
    }
    try {
      int bits = Integer.parseInt(s.substring(slash + 1));
      return isIpv4(s.substring(0, slash)) && bits >= 0 && bits <= 32;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * Does a (possibly wildcard) host pattern match a concrete host? {@code *.example.com} matches
   * {@code a.example.com}.
   */
  public static boolean matches(String pattern, String host) {
    if (pattern.equals("*") || pattern.equals(host)) {
      return true;
    }
    if (pattern.startsWith("*.")) {
      return host.endsWith(pattern.substring(1)) || host.startsWith("*.") && host.endsWith(pattern.substring(1));
    }
    return host.startsWith("*.") && pattern.endsWith(host.substring(1));
  }
}
