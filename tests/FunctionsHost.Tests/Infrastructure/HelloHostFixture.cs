namespace FunctionsHost.Tests.Infrastructure;

/// <summary>
/// One private Azurite and one local host running the hello worker against it, shared by a test class. The settings
/// set <c>HELLO_FROM_SETTINGS</c> and <c>HELLO_BOTH</c>; the environment sets <c>HELLO_BOTH</c> too, and must win.
/// CORS comes from <c>--cors</c>.
/// </summary>
public sealed class HelloHostFixture : IAsyncLifetime
{
    public const string AllowedOrigin = "https://app.example";

    private Azurite? azurite;

    public LocalHostProcess Host { get; private set; } = null!;

    public string StorageConnectionString => azurite!.ConnectionString;

    public async Task InitializeAsync()
    {
        azurite = await Azurite.StartPrivateAsync();
        Host = await LocalHostProcess.StartAsync(
            new Dictionary<string, string>
            {
                ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated",
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["HELLO_FROM_SETTINGS"] = "settings",
                ["HELLO_BOTH"] = "settings",
            },
            new Dictionary<string, string> { ["HELLO_BOTH"] = "environment" },
            ["--cors", AllowedOrigin]);
    }

    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        azurite?.Dispose();
    }
}
