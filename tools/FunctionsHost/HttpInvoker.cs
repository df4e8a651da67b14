using System.Diagnostics;
using System.Text;
using System.Text.Json;
using FunctionsMfa.LocalHost.Rpc;
using Yarp.ReverseProxy.Forwarder;

namespace FunctionsMfa.LocalHost;

/// <summary>
/// Runs an HTTP function the way the Azure host does with a worker that reports <c>HttpUri</c> (its
/// <c>DefaultHttpProxyService</c> and <c>GrpcWorkerChannel.SendInvocationRequest</c>): the request gets an
/// <c>x-ms-invocation-id</c> header, is forwarded unchanged to the worker's ASP.NET Core listener with YARP, and an
/// <c>InvocationRequest</c> with that id goes over gRPC; the worker's HTTP coordinator pairs the two by that id. The
/// trigger's input is an empty <c>RpcHttp</c> (the request travels by HTTP); route values, <c>Query</c> and
/// <c>Headers</c> go into the trigger metadata, from which the worker binds parameters such as <c>string name</c>.
/// The worker writes the response itself; the host only answers 500 when the invocation failed before it did.
/// </summary>
internal sealed partial class HttpInvoker(WorkerChannel channel, IHttpForwarder forwarder, ILogger<HttpInvoker> logger) : IDisposable
{
    /// <summary>The header the worker's ASP.NET Core integration matches (its <c>Constants.CorrelationHeader</c>).</summary>
    public const string CorrelationHeader = "x-ms-invocation-id";

    private readonly HttpMessageInvoker client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        UseCookies = false,
        ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
        ConnectTimeout = TimeSpan.FromSeconds(15),
    });

    private readonly ForwarderRequestConfig config = new() { ActivityTimeout = TimeSpan.FromSeconds(240) };

    public async Task InvokeAsync(HttpContext context, LoadedFunction function, Uri worker)
    {
        var request = Invocation.Create(function, context.Request);
        // Set, not added: a client's own header must not steer the pairing.
        context.Request.Headers[CorrelationHeader] = request.InvocationId;
        request.InputData.Add(new ParameterBinding { Name = function.Http!.Parameter, Data = new TypedData { Http = new RpcHttp() } });
        foreach (var (name, value) in context.GetRouteData().Values)
        {
            if (value?.ToString() is { } text)
            {
                request.TriggerMetadata[name] = new TypedData { String = text };
            }
        }

        request.TriggerMetadata["Query"] = new TypedData { Json = Json(context.Request.Query.Select(q => (q.Key, q.Value.ToString()))) };
        request.TriggerMetadata["Headers"] = new TypedData { Json = Json(context.Request.Headers.Select(h => (h.Key, h.Value.ToString()))) };

        // Forwarding starts before the invocation is sent, as in the Azure host, so the worker finds both.
        var forwarding = ForwardAsync(context, function, worker);
        StreamingMessage? response = null;
        try
        {
            response = await channel.InvokeAsync(request, context.RequestAborted);
        }
        catch (InvalidOperationException exception)
        {
            LogInvocationLost(function.Name, exception.Message);
        }
        catch (OperationCanceledException)
        {
        }

        await forwarding;
        var result = response?.InvocationResponse.Result;
        if (result is not { Status: StatusResult.Types.Status.Success })
        {
            LogFailed(function.Name, result?.Exception?.Message ?? "no response");
            if (!context.Response.HasStarted)
            {
                context.Response.Clear();
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            }
        }
    }

    /// <summary>
    /// Forwards the request and, once the worker's whole response has been copied, completes it to the client: the
    /// worker sends its <c>InvocationResponse</c> only after it finished writing, and the client need not wait for that
    /// message as well (about 0.5 ms a request, measured with bench/overhead.mjs). A response that did not start is
    /// left open, so the host can still answer 500 when the invocation failed.
    /// </summary>
    private async Task ForwardAsync(HttpContext context, LoadedFunction function, Uri worker)
    {
        var forwarded = await forwarder.SendAsync(context, worker.ToString(), client, config);
        if (forwarded != ForwarderError.None)
        {
            // The reason (a refused or timed-out connection, a reset) without the message: it may quote the request.
            var reason = context.Features.Get<IForwarderErrorFeature>()?.Exception is { } exception ? $"{forwarded}: {exception.GetType().Name}{Inner(exception)}" : forwarded.ToString();
            LogForwardingFailed(function.Name, reason);
        }
        else if (context.Response.HasStarted)
        {
            await context.Response.CompleteAsync();
        }
    }

    public void Dispose() => client.Dispose();

    private static string Inner(Exception exception) =>
        exception.InnerException is { } inner ? (inner is System.Net.Sockets.SocketException socket ? $" ({socket.SocketErrorCode})" : $" ({inner.GetType().Name}{Inner(inner)})") : "";

    internal static string Json(IEnumerable<(string Name, string Value)> pairs)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in pairs)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Function {Function} failed: {Reason}")]
    private partial void LogFailed(string function, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Function {Function}: the worker is gone ({Reason})")]
    private partial void LogInvocationLost(string function, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {Function}: forwarding to the worker failed ({Error})")]
    private partial void LogForwardingFailed(string function, string error);
}
