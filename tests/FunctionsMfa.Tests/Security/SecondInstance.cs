using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Security;

/// <summary>
/// A second instance of the app sharing the test app's Azurite and keys, the way Azure scales a function app out:
/// the local host and the built worker as processes of their own (<see cref="HostProcess"/>), only storage in common.
/// Its clock is the real one. Stopped on dispose.
/// </summary>
public sealed class SecondInstance : IAsyncDisposable
{
    private readonly HostProcess process;

    private SecondInstance(HostProcess process) => this.process = process;

    public Uri BaseAddress => process.BaseAddress;

    public static async Task<SecondInstance> StartAsync(MfaAppFactory app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var environment = app.Settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);
        environment["AzureWebJobsStorage"] = app.StorageConnectionString;
        return new SecondInstance(await HostProcess.StartAsync(HostProcess.BuiltApp, environment));
    }

    public HttpClient ClientWithToken(string token) => process.Client(token);

    public ValueTask DisposeAsync() => process.DisposeAsync();
}
