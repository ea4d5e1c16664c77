package io.bosun.testing;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;

/**
 * An issuer of RS256 JSON Web Tokens for the tests, with the JDK only: an RSA 2048 key pair made
 * for the test, the JWKS that verifies its tokens, and tokens signed with it.
 */
public final class Jwt {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final KeyPair keys;
  private final String kid;

  /** A new key pair, published under key id {@code kid}. */
  public Jwt(String kid) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      this.keys = generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    this.kid = kid;
  }

  /** The JWKS of the public key, {@code {"keys":[{"kty":"RSA","kid":..,"alg":"RS256","n":..,"e":..,..}]}}. */
  public String jwks() {
    RSAPublicKey key = (RSAPublicKey) keys.getPublic();
    return "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"" + kid + "\",\"alg\":\"RS256\",\"use\":\"sig\",\"n\":\""
        + unsigned(key.getModulus()) + "\",\"e\":\"" + unsigned(key.getPublicExponent()) + "\"}]}";
  }

  /** A token of {@code issuer} for {@code subject}, valid for an hour from now. */
  public String token(String issuer, String subject) {
    return token(issuer, subject, Instant.now().plus(Duration.ofHours(1)));
  }

  /** A token of {@code issuer} for {@code subject} that expires at {@code expires} (issued an hour before). */
  public String token(String issuer, String subject, Instant expires) {
    String header = b64("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}");
    String payload = b64("{\"iss\":\"%s\",\"sub\":\"%s\",\"iat\":%d,\"exp\":%d}".formatted(issuer, subject,
        expires.minus(Duration.ofHours(1)).getEpochSecond(), expires.getEpochSecond()));
    String signed = header + "." + payload;
    try {
      Signature rs256 = Signature.getInstance("SHA256withRSA");
      rs256.initSign(keys.getPrivate());
      rs256.update(signed.getBytes(StandardCharsets.US_ASCII));
      return signed + "." + B64.encodeToString(rs256.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String b64(String json) {
    return B64.encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  /** A JWK number: the big-endian magnitude without the sign byte, base64url without padding. */
  private static String unsigned(BigInteger n) {
    byte[] bytes = n.toByteArray();
    return B64.encodeToString(bytes[0] == 0 && bytes.length > 1 ? Arrays.copyOfRange(bytes, 1, bytes.length) : bytes);
  }
}
