using FunctionsMfa.Functions.Hosting;
using FunctionsMfa.Functions.Sessions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsMfa.Tests.Infrastructure;

/// <summary>
/// The app under test: the real pipeline and storage (a shared Azurite), fresh keys, and a fake clock. Each test class
/// gets its own instance (<c>IClassFixture</c>), so moving its clock moves no other class's. The queue drainer is off:
/// tests drain explicitly.
/// </summary>
public class MfaAppFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly Dictionary<string, string?> settings = new(StringComparer.OrdinalIgnoreCase);

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public string SecretKey => settings["Mfa:SecretKeys:0"]!;

    public string StorageConnectionString { get; private set; } = string.Empty;

    /// <summary>The app's settings (configuration keys with <c>:</c>), e.g. to start a second instance with the same keys.</summary>
    public IReadOnlyDictionary<string, string?> Settings => settings;

    public async Task InitializeAsync()
    {
        var azurite = await Azurite.InstanceAsync();
        StorageConnectionString = azurite.ConnectionString;
        settings["AzureWebJobsStorage"] = azurite.ConnectionString;
        settings["Mfa:Queues:Enabled"] = "false";
        settings["Mfa:Issuer"] = "FunctionsMfa Test";
        settings["Mfa:Cors:AllowedOrigins:0"] = "https://app.example";
        foreach (var (key, value) in LocalDevelopment.GenerateKeys())
        {
            settings[key.Replace("__", ":", StringComparison.Ordinal)] = value;
        }

        ConfigureSettings(settings);
    }

    /// <summary>A subclass changes or adds settings before the app starts.</summary>
    protected virtual void ConfigureSettings(IDictionary<string, string?> values)
    {
    }

    public new Task DisposeAsync() => base.DisposeAsync().AsTask();

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
            now.AddMinutes(-1), secondFactorMinutesAgo is { } minutes ? now.AddMinutes(-minutes) : null, default).GetAwaiter().GetResult().Token;
    }

    /// <summary>A subclass calls this from its constructor to serve on a real socket (127.0.0.1, a free port), for clients that are not .NET.</summary>
    protected void ListenOnLoopback() => UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, 0));

    /// <summary>Starts the real server (once; see <see cref="ListenOnLoopback"/>) and returns its address.</summary>
    public Uri ServerAddress()
    {
        StartServer();
        var addresses = Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.Single(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal)));
    }

    /// <summary>Empties the <c>sms-codes</c> queue (creating it if absent), so a class that drains it sees only its own messages.</summary>
    public async Task ClearSmsQueueAsync()
    {
        var queue = new Azure.Storage.Queues.QueueClient(StorageConnectionString, FunctionsMfa.Functions.Storage.MfaQueues.SmsCodes);
        await queue.CreateIfNotExistsAsync();
        await queue.ClearMessagesAsync();
    }

    public T Service<T>()
        where T : notnull => Services.GetRequiredService<T>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(settings));
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Time);
            ConfigureTestServices(services);
        });
    }

    /// <summary>A subclass replaces services at the true edges (the SMS provider).</summary>
    protected virtual void ConfigureTestServices(IServiceCollection services)
    {
    }
}
