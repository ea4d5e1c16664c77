package io.bosun.model;

/** An object a source delivered that is not Bosun's to translate (kept so it is listed, never translated). */
public record Ignored(ResourceRef ref) implements MeshResource {
}
