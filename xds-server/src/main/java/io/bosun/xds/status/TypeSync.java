package io.bosun.xds.status;

/**
 * Sync state of one xDS type ("CDS", "EDS", "LDS" or "RDS") on one proxy. Absent values are
 * empty strings: {@code error} is the last NACK's message, kept until a later ACK.
 */
public record TypeSync(String type, SyncState state, String sentVersion, String ackedVersion,
                       String error) {}
