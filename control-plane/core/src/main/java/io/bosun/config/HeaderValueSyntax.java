package io.bosun.config;

import java.util.Set;

/**
 * The syntax of Envoy's custom header values, which Istio checks before sending them: literal text,
 * {@code %%} for a percent sign, and variables {@code %NAME%} or {@code %NAME(args)%} whose
 * arguments are a bare word or a JSON-style array of strings ({@code %NAME(["a", "b"])%}).
 */
final class HeaderValueSyntax {
  /**
   * The variables the Envoy Bosun runs (1.36) knows in header values; it refuses a whole route
   * table over any other (Istio does not check the names). Found by asking that Envoy binary.
   */
  private static final Set<String> VARIABLES = Set.of(
      "ACCESS_LOG_TYPE", "BYTES_RECEIVED", "BYTES_RETRANSMITTED", "BYTES_SENT", "CONNECTION_ID",
      "CONNECTION_TERMINATION_DETAILS", "CUSTOM_FLAGS", "DOWNSTREAM_DECOMPRESSED_HEADER_BYTES_RECEIVED",
      "DOWNSTREAM_DECOMPRESSED_HEADER_BYTES_SENT", "DOWNSTREAM_DIRECT_LOCAL_ADDRESS",
      "DOWNSTREAM_DIRECT_LOCAL_ADDRESS_WITHOUT_PORT", "DOWNSTREAM_DIRECT_LOCAL_PORT",
      "DOWNSTREAM_DIRECT_REMOTE_ADDRESS", "DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT",
      "DOWNSTREAM_DIRECT_REMOTE_PORT", "DOWNSTREAM_HANDSHAKE_DURATION", "DOWNSTREAM_HEADER_BYTES_RECEIVED",
      "DOWNSTREAM_HEADER_BYTES_SENT", "DOWNSTREAM_LOCAL_ADDRESS", "DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT",
      "DOWNSTREAM_LOCAL_DNS_SAN", "DOWNSTREAM_LOCAL_EMAIL_SAN", "DOWNSTREAM_LOCAL_IP_SAN",
      "DOWNSTREAM_LOCAL_OTHERNAME_SAN", "DOWNSTREAM_LOCAL_PORT", "DOWNSTREAM_LOCAL_SUBJECT",
      "DOWNSTREAM_LOCAL_URI_SAN", "DOWNSTREAM_PEER_CERT", "DOWNSTREAM_PEER_CERT_V_END",
      "DOWNSTREAM_PEER_CERT_V_START", "DOWNSTREAM_PEER_CHAIN_FINGERPRINTS_1",
      "DOWNSTREAM_PEER_CHAIN_FINGERPRINTS_256", "DOWNSTREAM_PEER_CHAIN_SERIALS", "DOWNSTREAM_PEER_DNS_SAN",
      "DOWNSTREAM_PEER_EMAIL_SAN", "DOWNSTREAM_PEER_FINGERPRINT_1", "DOWNSTREAM_PEER_FINGERPRINT_256",
      "DOWNSTREAM_PEER_IP_SAN", "DOWNSTREAM_PEER_ISSUER", "DOWNSTREAM_PEER_OTHERNAME_SAN", "DOWNSTREAM_PEER_SERIAL",
      "DOWNSTREAM_PEER_SUBJECT", "DOWNSTREAM_PEER_URI_SAN", "DOWNSTREAM_REMOTE_ADDRESS",
      "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT", "DOWNSTREAM_REMOTE_PORT", "DOWNSTREAM_TLS_CIPHER",
      "DOWNSTREAM_TLS_SESSION_ID", "DOWNSTREAM_TLS_VERSION", "DOWNSTREAM_TRANSPORT_FAILURE_REASON",
      "DOWNSTREAM_WIRE_BYTES_RECEIVED", "DOWNSTREAM_WIRE_BYTES_SENT", "DURATION", "EMIT_TIME", "EMIT_TIME_LOCAL",
      "FILTER_CHAIN_NAME", "GRPC_STATUS", "GRPC_STATUS_NUMBER", "HOSTNAME", "LOCAL_REPLY_BODY",
      "PACKETS_RETRANSMITTED", "PROTOCOL", "REQUESTED_SERVER_NAME", "REQUEST_DURATION", "REQUEST_HEADERS_BYTES",
      "REQUEST_TX_DURATION", "RESPONSE_CODE", "RESPONSE_CODE_DETAILS", "RESPONSE_DURATION", "RESPONSE_FLAGS",
      "RESPONSE_FLAGS_LONG", "RESPONSE_HEADERS_BYTES", "RESPONSE_TRAILERS_BYTES", "RESPONSE_TX_DURATION",
      "ROUNDTRIP_DURATION", "ROUTE_NAME", "START_TIME", "START_TIME_LOCAL", "STREAM_ID", "TLS_JA3_FINGERPRINT",
      "TLS_JA4_FINGERPRINT", "TRACE_ID", "UNIQUE_ID", "UPSTREAM_CLUSTER", "UPSTREAM_CLUSTER_RAW",
      "UPSTREAM_CONNECTION_ID", "UPSTREAM_CONNECTION_POOL_READY_DURATION",
      "UPSTREAM_DECOMPRESSED_HEADER_BYTES_RECEIVED", "UPSTREAM_DECOMPRESSED_HEADER_BYTES_SENT",
      "UPSTREAM_HEADER_BYTES_RECEIVED", "UPSTREAM_HEADER_BYTES_SENT", "UPSTREAM_HOST", "UPSTREAM_HOST_NAME",
      "UPSTREAM_HOST_NAME_WITHOUT_PORT", "UPSTREAM_LOCAL_ADDRESS", "UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT",
      "UPSTREAM_LOCAL_DNS_SAN", "UPSTREAM_LOCAL_IP_SAN", "UPSTREAM_LOCAL_PORT", "UPSTREAM_LOCAL_URI_SAN",
      "UPSTREAM_PEER_CERT", "UPSTREAM_PEER_CERT_V_END", "UPSTREAM_PEER_CERT_V_START", "UPSTREAM_PEER_DNS_SAN",
      "UPSTREAM_PEER_IP_SAN", "UPSTREAM_PEER_ISSUER", "UPSTREAM_PEER_SUBJECT", "UPSTREAM_PEER_URI_SAN",
      "UPSTREAM_PROTOCOL", "UPSTREAM_REMOTE_ADDRESS", "UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT", "UPSTREAM_REMOTE_PORT",
      "UPSTREAM_REQUEST_ATTEMPT_COUNT", "UPSTREAM_TLS_CIPHER", "UPSTREAM_TLS_SESSION_ID", "UPSTREAM_TLS_VERSION",
      "UPSTREAM_TRANSPORT_FAILURE_REASON", "UPSTREAM_WIRE_BYTES_RECEIVED", "UPSTREAM_WIRE_BYTES_SENT",
      "VIRTUAL_CLUSTER_NAME");
  /** Variables that need arguments, e.g. {@code %REQ(x-user)%}. */
  private static final Set<String> WITH_ARGUMENTS = Set.of(
      "CLUSTER_METADATA", "COMMON_DURATION", "DYNAMIC_METADATA", "ENVIRONMENT", "FILTER_STATE", "METADATA",
      "QUERY_PARAM", "REQ", "RESP", "STREAM_INFO_REQ", "TRAILER", "UPSTREAM_FILTER_STATE", "UPSTREAM_METADATA");

  private HeaderValueSyntax() {
  }

  private enum Expect { TEXT, NAME, ARGS, ITEM, QUOTED, BARE, NEXT_ITEM, CLOSE_PAREN, CLOSE_PERCENT }

  /** Why {@code value} is not well formed, or null. */
  static String problem(String value) {
    Expect state = Expect.TEXT;
    int nameStart = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean space = c == ' ';
      switch (state) {
        case TEXT -> {
          if (c == '%') {
            if (i + 1 == value.length()) {
              return "a single % must be written %%";
            }
            if (value.charAt(i + 1) == '%') {
              i++;
            } else {
              state = Expect.NAME;
              nameStart = i + 1;
            }
          }
        }
        case NAME -> {
          if (c == '%' || c == '(') {
            String unknown = variable(value.substring(nameStart, i), c == '(');
            if (unknown != null) {
              return unknown;
            }
            state = c == '%' ? Expect.TEXT : Expect.ARGS;
          }
        }
        case ARGS -> state = c == '[' ? Expect.ITEM : space ? Expect.ARGS : Expect.BARE;
        case ITEM -> {
          if (c == '"') {
            state = Expect.QUOTED;
          } else if (!space) {
            return "expected '\"' to start an argument";
          }
        }
        case QUOTED, BARE -> {
          if (c == '\\') {
            if (++i == value.length()) {
              return "a backslash ends the value";
            }
          } else if (c == ')') {
            state = Expect.CLOSE_PERCENT;
          } else if (c == '"') {
            state = Expect.NEXT_ITEM;
          }
        }
        case NEXT_ITEM -> {
          if (c == ',') {
            state = Expect.ITEM;
          } else if (c == ']') {
            state = Expect.CLOSE_PAREN;
          } else if (!space) {
            return "expected ',' or ']' after an argument";
          }
        }
        case CLOSE_PAREN -> {
          if (c == ')') {
            state = Expect.CLOSE_PERCENT;
          } else if (!space) {
            return "expected ')' after the arguments";
          }
        }
        default -> {
          if (c == '%') {
            state = Expect.TEXT;
          } else if (!space) {
            return "expected '%' to end the variable";
          }
        }
      }
    }
    return state == Expect.TEXT ? null : "a %VARIABLE% is not closed";
  }

  /** Why Envoy would refuse variable {@code name}, or null. */
  private static String variable(String name, boolean arguments) {
    if (WITH_ARGUMENTS.contains(name)) {
      return arguments ? null : "%" + Problems.truncate(name) + "% needs arguments, e.g. %" + name + "(...)%";
    }
    if (!VARIABLES.contains(name)) {
      return "Envoy does not know the variable %" + Problems.truncate(name) + "% (and would refuse the route table)";
    }
    return null;
  }
}
