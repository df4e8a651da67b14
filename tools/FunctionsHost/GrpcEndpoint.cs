using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace FunctionsMfa.LocalHost;

/// <summary>
/// The loopback HTTP/2 endpoint the worker dials, on a port the OS picks: Kestrel writes the bound port back into the
/// listen options, read once the host has started.
/// </summary>
internal sealed class GrpcEndpoint
{
    private ListenOptions? listen;

    public Uri Uri => listen?.IPEndPoint is { Port: > 0 } bound
        ? new Uri($"http://127.0.0.1:{bound.Port}/")
        : throw new InvalidOperationException("The gRPC endpoint is not bound yet.");

    public int Port => listen?.IPEndPoint?.Port ?? 0;

    public void Listen(KestrelServerOptions kestrel) =>
        kestrel.Listen(IPAddress.Loopback, 0, options =>
        {
            options.Protocols = HttpProtocols.Http2;
            listen = options;
        });
}

/// <summary>Where the host serves the functions: the port asked for, or (0) the one the OS picked, known once bound.</summary>
internal sealed class HttpEndpoint(int port)
{
    private ListenOptions? listen;

    public string BaseUrl => listen?.IPEndPoint is { Port: > 0 } bound
        ? $"http://127.0.0.1:{bound.Port}"
        : throw new InvalidOperationException("The HTTP endpoint is not bound yet.");

    public void Listen(KestrelServerOptions kestrel) => kestrel.Listen(IPAddress.Loopback, port, options => listen = options);
}
