package io.bosun.runtime;

import io.bosun.ca.MeshCa;
import io.bosun.config.ConfigStore;
import io.bosun.monitoring.MonitoringServer;
import io.bosun.xds.XdsServer;

/** What a running Bosun offers, whichever mode runs it. */
public interface RunningBosun extends AutoCloseable {
  /** What every mode runs. */
  record Parts(Pipeline pipeline, MonitoringServer monitoring, MeshCa ca) {
  }

  Parts parts();

  default Pipeline pipeline() {
    return parts().pipeline();
  }

  default MonitoringServer monitoring() {
    return parts().monitoring();
  }

  default MeshCa ca() {
    return parts().ca();
  }

  default ConfigStore store() {
    return pipeline().store();
  }

  default XdsServer xds() {
    return pipeline().xds();
  }

  default int xdsPort() {
    return xds().port();
  }

  default int monitoringPort() {
    return monitoring().port();
  }

  @Override
  void close();
}
