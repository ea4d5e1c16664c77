package io.bosun.e2e.cluster;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * {@code @WithRealCluster} on a test class: one real cluster for the class, handed to test
 * methods and lifecycle methods as a {@link RealCluster} parameter. Failing to start fails the
 * tests, with the process logs in the message.
 */
public final class RealClusterExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(RealClusterExtension.class);

  /** Runs the class against a real cluster; {@code controllers} adds controller-manager, scheduler and kwok. */
  @Target(ElementType.TYPE)
  @Retention(RetentionPolicy.RUNTIME)
  @ExtendWith(RealClusterExtension.class)
  public @interface WithRealCluster {
    boolean controllers() default false;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    WithRealCluster config = context.getRequiredTestClass().getAnnotation(WithRealCluster.class);
    boolean controllers = config != null && config.controllers();
    context.getStore(NS).put(RealCluster.class, RealCluster.start(controllers));
  }

  @Override
  public void afterAll(ExtensionContext context) {
    RealCluster cluster = context.getStore(NS).remove(RealCluster.class, RealCluster.class);
    if (cluster != null) {
      cluster.close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == RealCluster.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context.getStore(NS).get(RealCluster.class, RealCluster.class);
  }
}
