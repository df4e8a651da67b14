using System.Net;
using Microsoft.AspNetCore.Cors.Infrastructure;

namespace FunctionsMfa.LocalHost;

/// <summary>
/// A local Functions host, for development and tests only, where Core Tools (<c>func</c>) cannot be installed. It
/// stands in for the parts of the Azure Functions host an isolated-worker app with ASP.NET Core integration, HTTP
/// triggers and queue triggers uses:
/// <list type="bullet">
/// <item>starts the worker from <c>worker.config.json</c> with the host's arguments and environment
/// (<c>local.settings.json</c> <c>Values</c> under the process environment, which wins), and stops it with itself
/// (<see cref="WorkerProcess"/>);</item>
/// <item>serves the gRPC <c>EventStream</c>: init, worker indexing, function load, invocations, logs
/// (<see cref="WorkerChannel"/>);</item>
/// <item>serves HTTP on <c>127.0.0.1:&lt;port&gt;</c> (<c>--port</c>, <c>Host.LocalHttpPort</c>, 7071) by each function's route
/// template and verbs under <c>host.json</c>'s <c>routePrefix</c>, forwarding to the worker with YARP
/// (<see cref="HttpFunctionRouter"/>, <see cref="HttpInvoker"/>);</item>
/// <item>runs queue triggers against the configured storage (Azurite) with <c>host.json</c>'s queue settings and the
/// poison queue, and outlives storage outages (<see cref="QueueListener"/>);</item>
/// <item>answers CORS from <c>--cors</c> or <c>Host.CORS</c> (and <c>--cors-credentials</c> / <c>Host.CORSCredentials</c>).</item>
/// </list>
/// It leaves out everything else: function keys and authorization levels (every function is anonymous here), other
/// triggers and bindings, the extension bundle (the worker's own bindings are all it needs), <c>functions.metadata</c>
/// indexing by the host, host-side retry policies, multiple workers or streams, restarting a crashed worker (the host
/// stops instead), the admin API, HTTPS and Application Insights. The Azure host is the reference; where the two
/// differ, <c>docs/local-host.md</c> says so.
/// </summary>
internal static class LocalHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        HostArguments arguments;
        FunctionApp app;
        try
        {
            arguments = HostArguments.Parse(args);
            app = FunctionApp.Load(arguments.ScriptRoot);
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidOperationException or System.Text.Json.JsonException)
        {
            await Console.Error.WriteLineAsync(exception.Message);
            return 2;
        }

        await using var host = Build(arguments, app);
        await host.RunAsync();
        return Environment.ExitCode;
    }

    /// <param name="embedding">Null to start the worker as a process (the tool); a test's in-process worker otherwise.</param>
    internal static WebApplication Build(HostArguments arguments, FunctionApp app, HostEmbedding? embedding = null)
    {
        // No args and the tool's own folder as content root: the host's configuration is not the app's.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        if (embedding?.Logs is { } logs)
        {
            builder.Logging.AddProvider(logs);
        }

        var port = arguments.Port ?? app.Local.LocalHttpPort ?? 7071;
        var grpc = new GrpcEndpoint();
        var http = new HttpEndpoint(port);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            http.Listen(kestrel);
            grpc.Listen(kestrel);
        });

        builder.Services.AddSingleton(app);
        builder.Services.AddSingleton(grpc);
        builder.Services.AddSingleton(http);
        builder.Services.AddSingleton(embedding ?? HostEmbedding.None);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WorkerChannel>();
        builder.Services.AddSingleton<HttpInvoker>();
        builder.Services.AddSingleton<HttpFunctionRouter>();
        builder.Services.AddHttpForwarder();
        builder.Services.AddGrpc(options => options.MaxReceiveMessageSize = null);
        // Stopped in reverse order: the queue listener before the worker it invokes.
        if (embedding is null)
        {
            builder.Services.AddHostedService<WorkerProcess>();
        }
        else
        {
            builder.Services.AddHostedService<EmbeddedWorker>();
            // The embedded worker's gRPC connection outlives the worker (its client is not disposed with it), and
            // Kestrel's graceful stop would wait its whole 30 s for that idle connection: half a second, then it is cut.
            builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromMilliseconds(500));
        }

        builder.Services.AddSingleton<QueueListener>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<QueueListener>());
        builder.Services.AddHostedService<ReadyBanner>();

        var cors = Cors(arguments.Cors ?? app.Local.Cors, arguments.CorsCredentials || app.Local.CorsCredentials);
        if (cors is not null)
        {
            builder.Services.AddCors(options => options.AddDefaultPolicy(cors));
        }

        var web = builder.Build();
        web.UseWhen(context => context.Connection.LocalPort != grpc.Port, pipeline =>
        {
            if (cors is not null)
            {
                pipeline.UseCors();
            }

            pipeline.UseRouter(web.Services.GetRequiredService<HttpFunctionRouter>());
            // Terminal: nothing on the HTTP port reaches the gRPC endpoint.
            pipeline.Run(context =>
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        });
        web.MapGrpcService<FunctionRpcService>();
        return web;
    }

    private static CorsPolicy? Cors(string? origins, bool credentials)
    {
        var list = (origins ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (list.Length == 0)
        {
            return null;
        }

        var policy = new CorsPolicyBuilder().AllowAnyHeader().AllowAnyMethod();
        if (list.Contains("*"))
        {
            // Any origin; with credentials the origin is echoed, since "*" may not be combined with credentials.
            _ = credentials ? policy.SetIsOriginAllowed(_ => true) : policy.AllowAnyOrigin();
        }
        else
        {
            policy.WithOrigins(list);
        }

        if (credentials)
        {
            policy.AllowCredentials();
        }

        return policy.Build();
    }
}
