package io.bosun.bench;

import java.io.IOException;

/** How a scenario changes the mesh under a control plane: Bosun's stdin, or the API server. */
interface MeshChanges {
  /** Service {@code s} now has its first {@code count} pods as endpoints. */
  void scale(int s, int count) throws IOException;

  /** Service {@code s}'s VirtualService sends {@code v1}% to subset v1, the rest to v2. */
  void weight(int s, int v1) throws IOException;
}
