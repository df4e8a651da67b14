using FunctionsMfa.Functions.Hosting;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.LocalHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsMfa.Tests.Infrastructure;

/// <summary>
/// The app under test as Azure runs it: the shipped isolated worker (its builder, its middleware, its functions) under
/// the local Functions host, over real HTTP on 127.0.0.1, against a real Azurite. Both run inside the test process
/// (<see cref="HostEmbedding"/>), so that the worker gets a fake clock and the other services at the true edges, and
/// a test can reach its services. Each test class gets its own instance (<c>IClassFixture</c>), so moving its clock
/// moves no other class's. Queues are not polled unless <see cref="PollQueues"/>: tests drain with <see cref="DrainAsync"/>,
/// which runs one receive of the host's queue trigger.
/// </summary>
public class MfaAppFactory : IAsyncLifetime, IAsyncDisposable
{
    static MfaAppFactory()
    {
        // The worker reads host.json (the route prefix) and resolves its functions from here; the app's build output
        // is copied into the tests' (the same host.json, functions.metadata and assemblies).
        Environment.SetEnvironmentVariable("FUNCTIONS_WORKER_DIRECTORY", AppContext.BaseDirectory);
        Environment.SetEnvironmentVariable("FUNCTIONS_APPLICATION_DIRECTORY", AppContext.BaseDirectory);
    }

    private readonly Dictionary<string, string?> settings = new(StringComparer.OrdinalIgnoreCase);
    private WebApplication? host;
    private IHost? worker;
    private Uri? address;

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public string SecretKey => settings["Mfa:SecretKeys:0"]!;

    public string StorageConnectionString { get; private set; } = string.Empty;

    /// <summary>The app's settings (configuration keys with <c>:</c>), e.g. to start a second instance with the same keys.</summary>
    public IReadOnlyDictionary<string, string?> Settings => settings;

    /// <summary>The worker's services.</summary>
    public IServiceProvider Services => worker?.Services ?? throw new InvalidOperationException("The app has not started.");

    /// <summary>The host's queue trigger polls (as in Azure) instead of waiting for <see cref="DrainAsync"/>.</summary>
    protected bool PollQueues { get; set; }

    /// <summary>How long the host hides a message while its function runs; null: the Azure host's 10 minutes.</summary>
    protected TimeSpan? QueueLease { get; set; }

    /// <summary>Captures the host's own log (its queue listener's, its routing's), when a subclass sets it.</summary>
    public Sms.CapturingLoggerProvider? HostLogs { get; protected set; }

    /// <summary>The browser origins the host allows (its CORS setting, as <c>Host.CORS</c> / <c>--cors</c>).</summary>
    protected string CorsOrigins { get; set; } = "https://app.example";

    public virtual async Task InitializeAsync()
    {
        var azurite = await Azurite.InstanceAsync();
        StorageConnectionString = azurite.ConnectionString;
        settings["AzureWebJobsStorage"] = azurite.ConnectionString;
        settings["Mfa:Issuer"] = "FunctionsMfa Test";
        foreach (var (key, value) in LocalDevelopment.GenerateKeys())
        {
            settings[key.Replace("__", ":", StringComparison.Ordinal)] = value;
        }

        ConfigureSettings(settings);
        StorageConnectionString = settings["AzureWebJobsStorage"]!;

        var app = FunctionApp.Embedded(AppContext.BaseDirectory, new Dictionary<string, string> { ["AzureWebJobsStorage"] = StorageConnectionString });
        host = FunctionsMfa.LocalHost.LocalHost.Build(
            new HostArguments(AppContext.BaseDirectory, Port: 0, Cors: CorsOrigins, CorsCredentials: false),
            app,
            new HostEmbedding(StartWorkerAsync, PollQueues, QueueLease, new HostLogFile(GetType().Name, HostLogs)));
        await host.StartAsync();
        await host.Services.GetRequiredService<WorkerChannel>().Ready.WaitAsync(TimeSpan.FromSeconds(60));
        address = new Uri(host.Services.GetRequiredService<HttpEndpoint>().BaseUrl + "/");
    }

    private async Task<IAsyncDisposable> StartWorkerAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var builder = MfaWorker.CreateBuilder([.. arguments]);
        builder.Configuration.AddInMemoryCollection(settings);
        // The worker process maps these arguments itself; the builder of an in-process worker is given them as configuration.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Functions:Worker:HostEndpoint"] = Argument(arguments, "--functions-uri"),
            ["Functions:Worker:WorkerId"] = Argument(arguments, "--functions-worker-id"),
            ["Functions:Worker:RequestId"] = Argument(arguments, "--functions-request-id"),
            ["Functions:Worker:GrpcMaxMessageLength"] = Argument(arguments, "--functions-grpc-max-message-length"),
        });
        builder.Services.RemoveAll<TimeProvider>();
        builder.Services.AddSingleton<TimeProvider>(Time);
        ConfigureTestServices(builder.Services);
        worker = builder.Build();
        await worker.StartAsync(cancellationToken);
        return new StoppedWith(worker);
    }

    private static string Argument(IReadOnlyList<string> arguments, string name) => arguments[arguments.ToList().IndexOf(name) + 1];

    /// <summary>A subclass changes or adds settings before the app starts.</summary>
    protected virtual void ConfigureSettings(IDictionary<string, string?> values)
    {
    }

    /// <summary>A subclass replaces services at the true edges (the SMS provider, storage faults).</summary>
    protected virtual void ConfigureTestServices(IServiceCollection services)
    {
    }

    public virtual async Task DisposeAsync()
    {
        if (host is not null)
        {
            await host.StopAsync();
            await host.DisposeAsync();
        }
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    /// <summary>The host's services (its queue listener, its worker channel).</summary>
    public IServiceProvider HostServices => host?.Services ?? throw new InvalidOperationException("The app has not started.");

    /// <summary>The host's address (a real socket on 127.0.0.1).</summary>
    public Uri ServerAddress() => address ?? throw new InvalidOperationException("The app has not started.");

    /// <summary>A client of the host.</summary>
    public HttpClient CreateClient() => new() { BaseAddress = ServerAddress() };

    /// <summary>A client for the backend routes, with the secret key.</summary>
    public HttpClient BackendClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", SecretKey);
        return client;
    }

    /// <summary>A client with the given bearer token.</summary>
    public HttpClient ClientWithToken(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    /// <summary>
    /// A session token as a completed sign-in would mint it, straight from the service's own issuer, for tests whose
    /// subject is not the sign-in. <paramref name="secondFactorMinutesAgo"/> null means no second factor.
    /// </summary>
    public string SessionToken(string userId, int? secondFactorMinutesAgo = 0)
    {
        // Through the service's own session store, so the session's row exists as a sign-in would leave it.
        var sessions = Services.GetRequiredService<SessionStore>();
        var now = Time.GetUtcNow();
        return sessions.CreateAsync(userId, "sess_test" + Guid.NewGuid().ToString("N"), secondFactorMinutesAgo is null ? ["pwd"] : ["pwd", "otp"],
            now.AddMinutes(-1), secondFactorMinutesAgo is { } minutes ? now.AddMinutes(-minutes) : null, null, default).GetAwaiter().GetResult().Token;
    }

    /// <summary>One receive of the host's queue trigger, every message run to its end; the number of messages received.</summary>
    public Task<int> DrainAsync() =>
        (host ?? throw new InvalidOperationException("The app has not started.")).Services.GetRequiredService<QueueListener>().DrainOnceAsync(CancellationToken.None);

    /// <summary>Empties the <c>sms-codes</c> queue (creating it if absent), so a class that drains it sees only its own messages.</summary>
    public async Task ClearSmsQueueAsync()
    {
        var queue = new Azure.Storage.Queues.QueueClient(StorageConnectionString, FunctionsMfa.Functions.Storage.MfaQueues.SmsCodes);
        await queue.CreateIfNotExistsAsync();
        await queue.ClearMessagesAsync();
    }

    public T Service<T>()
        where T : notnull => Services.GetRequiredService<T>();

    private sealed class StoppedWith(IHost worker) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await worker.StopAsync(grace.Token);
            worker.Dispose();
        }
    }
}
