package io.bosun.config;

import java.util.regex.Pattern;

/**
 * Istio's rules for names (istio/istio {@code pkg/config/validation/agent}: {@code ValidateWildcardDomain},
 * {@code ValidateFQDN}, {@code ValidatePartialWildCard}; {@code pkg/config/labels}: {@code IsDNS1123Label}).
 * DNS labels may have capital letters there, so they may here.
 */
final class HostNames {
  private static final Pattern LABEL = Pattern.compile("[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?");
  /** A first label that may be wildcarded: {@code *}, {@code *foo}, {@code *-foo} or a plain label. */
  private static final Pattern WILDCARD_LABEL = Pattern.compile("\\*|(?:\\*|\\*-)?" + LABEL.pattern());
  private static final int MAX_LABEL = 63;
  private static final int MAX_NAME = 255;

  private HostNames() {
  }

  /** {@code IsDNS1123Label}: letters (either case), digits and inner dashes, at most 63 characters. */
  static boolean label(String s) {
    return s != null && s.length() <= MAX_LABEL && LABEL.matcher(s).matches();
  }

  /** {@code ValidateFQDN}: DNS labels (a trailing dot allowed), a top-level label not all digits. */
  static boolean fqdn(String name) {
    return name != null && !name.isEmpty() && name.length() <= MAX_NAME && labels(name);
  }

  /** {@code ValidateWildcardDomain}: a DNS name whose first label may be wildcarded ({@code *}, {@code *.a.b}). */
  static boolean wildcardDomain(String name) {
    if (name == null || name.isEmpty() || name.length() > MAX_NAME) {
      return false;
    }
    int dot = name.indexOf('.');
    String first = dot < 0 ? name : name.substring(0, dot);
    if (first.length() > MAX_LABEL || !WILDCARD_LABEL.matcher(first).matches()) {
      return false;
    }
    return dot < 0 || labels(name.substring(dot + 1));
  }

  /** {@code ValidatePartialWildCard}: a {@code *} only as the whole name or the whole first label. */
  static boolean partialWildcard(String name) {
    return name.contains("*") && !name.equals("*") && !name.startsWith("*.");
  }

  /** An IPv4 or IPv6 address (Go's {@code netip.ParseAddr}). */
  static boolean ip(String s) {
    return s != null && (SecurityChecks.ipv4(s) || SecurityChecks.ipv6(s));
  }

  /** {@code host} as a name or an IP address (VirtualService hosts: {@code ValidateWildcardDomain} or an IP). */
  static boolean hostOrIp(String host) {
    return wildcardDomain(host) || ip(host);
  }

  /**
   * The SNI Istio generates for AUTO_PASSTHROUGH, {@code outbound_.<port>_.<subset>_.<host>}, which a
   * VirtualService may name as a host or SNI host ({@code ValidateWildcardDomainForVirtualServiceBoundToGateway}).
   */
  static boolean autoSni(String name) {
    String[] parts = name.split("_", -1);
    return parts.length >= 4 && parts[0].equals("outbound") && trimDots(parts[1]).matches(".*[0-9].*")
        && trimDots(parts[3]).matches(".*[a-zA-Z].*");
  }

  /** Istio's {@code host.Name.Matches}: equal names, or a wildcard covering the other (or both wildcards nested). */
  static boolean overlap(String a, String b) {
    boolean wa = a.startsWith("*");
    boolean wb = b.startsWith("*");
    if (wa && wb) {
      return a.length() < b.length() ? b.endsWith(a.substring(1)) : a.endsWith(b.substring(1));
    }
    if (wa || wb) {
      return wa ? b.endsWith(a.substring(1)) : a.endsWith(b.substring(1));
    }
    return a.equals(b);
  }

  /** Istio's {@code host.Name.SubsetOf}: every name {@code a} covers, {@code b} covers too. */
  static boolean subsetOf(String a, String b) {
    boolean wa = a.startsWith("*");
    boolean wb = b.startsWith("*");
    if (wa) {
      return wb && a.length() >= b.length() && a.substring(1).endsWith(b.substring(1));
    }
    return wb ? a.endsWith(b.substring(1)) : a.equals(b);
  }

  private static String trimDots(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && s.charAt(start) == '.') {
      start++;
    }
    while (end > start && s.charAt(end - 1) == '.') {
      end--;
    }
    return s.substring(start, end);
  }

  /** {@code ValidateDNS1123Labels}: the dot-separated labels, the last of which may be empty or not all digits. */
  private static boolean labels(String domain) {
    String[] parts = domain.split("\\.", -1);
    if (parts[parts.length - 1].matches("[0-9]+")) {
      return false;
    }
    for (int i = 0; i < parts.length; i++) {
      boolean trailingDot = i == parts.length - 1 && parts[i].isEmpty();
      if (!trailingDot && !label(parts[i])) {
        return false;
      }
    }
    return true;
  }
}
