package io.bosun.http;

import io.bosun.concurrent.DaemonThreads;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP/1.1 (optionally TLS) server for Bosun's own endpoints: the admission webhooks, the
 * monitoring pages and readiness. Built on Netty (already on the class path through gRPC) because
 * slow and half-open clients must not freeze it (findings 4 and 5): sockets are read by a
 * non-blocking event loop, so a client that never finishes its TLS handshake or its headers holds
 * no thread and is dropped at a deadline; handlers run on a bounded pool of this server's own,
 * and a full pool answers 503 at once.
 */
public final class HttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

  /** What a handler sees of a request. */
  public record Request(String method, String path, Map<String, String> query, byte[] body,
                        InetSocketAddress remote) {
    public boolean fromLoopback() {
      return remote != null && remote.getAddress() != null && remote.getAddress().isLoopbackAddress();
    }
  }

  /** What a handler answers. */
  public record Response(int status, String contentType, byte[] body) {
    public static Response text(int status, String text) {
      return new Response(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
    }
  }

  @FunctionalInterface
  public interface Handler {
    Response handle(Request request) throws Exception;
  }

  /**
   * @param name          for thread names and log lines
   * @param workers       handler threads; requests beyond them and the queue get 503 at once
   * @param requestTimeout a request (TLS handshake included) must arrive whole within this, or the
   *                      connection is closed
   * @param idleTimeout   a kept-alive connection with nothing to do for this long is closed
   * @param maxBody       larger bodies are answered by {@code oversized} without being read
   */
  public record Options(String name, int workers, int queue, Duration requestTimeout, Duration idleTimeout,
                        int maxBody) {
    public static Options small(String name) {
      return new Options(name, 2, 32, Duration.ofSeconds(10), Duration.ofSeconds(60), 64 << 10);
    }
  }

  private final Options options;
  private final Map<String, Handler> routes;
  private final Handler oversized;
  private final EventLoopGroup loop;
  private final ThreadPoolExecutor workers;
  private final Channel channel;

  /**
   * Listens on {@code address} ({@code tls} null for plaintext). {@code routes} maps exact paths
   * to handlers; any other path is 404. {@code oversized} answers a body over the limit.
   */
  public HttpServer(InetSocketAddress address, SslContext tls, Options options, Map<String, Handler> routes,
                    Handler oversized) throws InterruptedException {
    this.options = options;
    this.routes = Map.copyOf(routes);
    this.oversized = oversized;
    this.loop = new NioEventLoopGroup(1, DaemonThreads.named(options.name() + "-io"));
    this.workers = new ThreadPoolExecutor(options.workers(), options.workers(), 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(options.queue()), DaemonThreads.named(options.name()));
    ServerBootstrap b = new ServerBootstrap().group(loop).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ChannelPipeline p = ch.pipeline();
            p.addLast(new RequestDeadline(options.requestTimeout()));
            if (tls != null) {
              SslHandler ssl = tls.newHandler(ch.alloc());
              ssl.setHandshakeTimeout(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
              p.addLast(ssl);
            }
            p.addLast(new IdleStateHandler(0, 0, options.idleTimeout().toSeconds(), TimeUnit.SECONDS));
            p.addLast(new HttpServerCodec(4096, 16 << 10, 8192));
            p.addLast(new Aggregator(options.maxBody()));
            p.addLast(new Dispatch());
          }
        });
    this.channel = b.bind(address).sync().channel();
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) channel.localAddress();
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownNow();
  }

  /** Closes a connection whose request has not fully arrived in time; re-armed after each response. */
  private static final class RequestDeadline extends ChannelDuplexHandler {
    private final Duration timeout;
    private ScheduledFuture<?> deadline;

    RequestDeadline(Duration timeout) {
      this.timeout = timeout;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      arm(ctx);
      super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      if (deadline == null) {
        arm(ctx); // the first bytes of the next request on a kept-alive connection
      }
      super.channelRead(ctx, msg);
    }

    void requestComplete() {
      if (deadline != null) {
        deadline.cancel(false);
        deadline = null;
      }
    }

    private void arm(ChannelHandlerContext ctx) {
      deadline = ctx.executor().schedule(() -> ctx.close(), timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      requestComplete();
      super.channelInactive(ctx);
    }
  }

  /** Aggregates a request; one over the limit is answered by {@code oversized}, unread. */
  private final class Aggregator extends HttpObjectAggregator {
    Aggregator(int max) {
      super(max);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversizedMessage) {
      Response r;
      try {
        r = oversized.handle(new Request("", "", Map.of(), new byte[0], null));
      } catch (Exception e) {
        r = Response.text(413, "request body over " + options.maxBody() + " bytes\n");
      }
      // answered now, the connection kept: the aggregator drops the rest of the body as it arrives,
      // and the client reads this answer instead of a reset in the middle of its upload
      ctx.writeAndFlush(response(r, true));
    }
  }

  /** Hands a whole request to the worker pool; answers on the event loop. */
  private final class Dispatch extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
      RequestDeadline deadline = ctx.pipeline().get(RequestDeadline.class);
      deadline.requestComplete();
      boolean keepAlive = HttpUtil.isKeepAlive(msg);
      QueryStringDecoder uri = new QueryStringDecoder(msg.uri());
      Map<String, String> query = new TreeMap<>();
      uri.parameters().forEach((k, v) -> query.put(k, v.isEmpty() ? "" : v.get(0)));
      Request request = new Request(msg.method().name(), uri.path(), query, ByteBufUtil.getBytes(msg.content()),
          (InetSocketAddress) ctx.channel().remoteAddress());
      Handler h = routes.get(request.path());
      try {
        workers.execute(() -> {
          Response r;
          try {
            r = h == null ? Response.text(404, "not found; try " + String.join(" ", new TreeMap<>(routes).keySet())
                + "\n") : h.handle(request);
          } catch (Throwable e) {
            // a handler's own bug: a 500 with no detail, the detail in the log
            LOG.error("{}: {} {} failed", options.name(), request.method(), request.path(), e);
            r = Response.text(500, "internal error\n");
            if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
              ctx.writeAndFlush(response(r, false)).addListener(ChannelFutureListener.CLOSE);
              throw (VirtualMachineError) e;
            }
          }
          var f = ctx.writeAndFlush(response(r, keepAlive));
          if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
          }
        });
      } catch (RejectedExecutionException e) {
        ctx.writeAndFlush(response(Response.text(503, "busy, retry\n"), false))
            .addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof IdleStateEvent) {
        ctx.close();
        return;
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // a client's broken TLS or HTTP: its connection ends, without a stack trace in the log
      LOG.debug("{}: connection from {} closed: {}", options.name(), ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }

  private static FullHttpResponse response(Response r, boolean keepAlive) {
    FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()),
        Unpooled.wrappedBuffer(r.body()));
    out.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
    out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
    out.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
    return out;
  }

  @Override
  public String toString() {
    return options.name() + " on " + channel.localAddress();
  }

  /** For tests: how many handler threads are busy. */
  int busyWorkers() {
    return workers.getActiveCount();
  }
}
