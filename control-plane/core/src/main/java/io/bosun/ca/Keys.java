package io.bosun.ca;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;

/** Key pairs: the one kind Bosun makes, and whether a private key is a certificate's. */
public final class Keys {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Keys() {
  }

  /** A new EC P-256 key pair, what Bosun issues every certificate for. */
  public static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(256, RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("EC P-256 is not available", e);
    }
  }

  /**
   * Whether {@code key} is the private half of {@code pub}: a signature made with one verifies
   * with the other. A key type this cannot check (e.g. Ed25519) counts as matching: Envoy checks.
   */
  public static boolean matches(PublicKey pub, PrivateKey key) {
    String algorithm = switch (key.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default -> null;
    };
    if (algorithm == null) {
      return true;
    }
    if (!pub.getAlgorithm().equals(key.getAlgorithm())) {
      return false;
    }
    try {
      Signature s = Signature.getInstance(algorithm);
      byte[] probe = "bosun".getBytes(StandardCharsets.UTF_8);
      s.initSign(key);
      s.update(probe);
      byte[] signature = s.sign();
      s.initVerify(pub);
      s.update(probe);
      return s.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
