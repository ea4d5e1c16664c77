package io.bosun.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The address and service rules behind the security kinds, as Go's netip and Istio's checks read them. */
class SecurityChecksTest {
  @Test
  void ipAddressesAndBlocks() {
    for (String ok : new String[] {"10.0.0.1", "0.0.0.0/0", "192.168.1.0/24", "::", "::1", "2001:db8::/32",
        "fe80::1:2:3:4", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::ffff:10.1.2.3", "::/0", "2001:db8::1/128"}) {
      assertThat(SecurityChecks.ipOrCidr(ok)).as(ok).isTrue();
    }
    for (String bad : new String[] {"", "10.0.0", "10.0.0.256", "010.0.0.1", "10.0.0.1/33", "10.0.0.1/", "10.0.0.1/08",
        ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "12345::", "g::1", "::1/129", "fe80::1%eth0",
        "::10.0.0.1:1", "example.com"}) {
      assertThat(SecurityChecks.ipOrCidr(bad)).as(bad).isFalse();
    }
  }

  @Test
  void extensionServices() {
    for (String ok : new String[] {"opa.shop.svc.cluster.local", "opa", "10.0.0.1", "shop/opa.shop.svc.cluster.local",
        "*/opa.example.com", "./opa", "2001:db8::1"}) {
      assertThat(SecurityChecks.extensionService(ok)).as(ok).isTrue();
    }
    for (String bad : new String[] {"Opa.example.com", "a..b", "shop/", "/opa", "a/b/c", "opa.123", "Shop/opa"}) {
      assertThat(SecurityChecks.extensionService(bad)).as(bad).isFalse();
    }
  }

  @Test
  void ports() {
    assertThat(SecurityChecks.port("0")).isTrue();
    assertThat(SecurityChecks.port("65535")).isTrue();
    assertThat(SecurityChecks.port("080")).as("Go's ParseUint accepts leading zeros").isTrue();
    assertThat(SecurityChecks.port("65536")).isFalse();
    assertThat(SecurityChecks.port("-1")).isFalse();
    assertThat(SecurityChecks.port("99999999999")).isFalse();
  }
}
