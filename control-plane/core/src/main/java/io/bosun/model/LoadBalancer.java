package io.bosun.model;

/** DestinationRule loadBalancer.simple; UNSET means "inherit", which ends at Istio's LEAST_REQUEST. */
public enum LoadBalancer { UNSET, ROUND_ROBIN, LEAST_REQUEST, RANDOM, PASSTHROUGH }
