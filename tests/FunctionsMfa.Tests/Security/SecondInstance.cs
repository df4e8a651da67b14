using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Security;

/// <summary>
/// A second handler process sharing the test app's Azurite and keys, the way Azure scales a function app out: the built
/// <c>FunctionsMfa.Functions.dll</c> run with <c>dotnet</c> on a free loopback port. Stopped on dispose.
/// </summary>
public sealed class SecondInstance : IAsyncDisposable
{
    private readonly HandlerProcess process;

    private SecondInstance(HandlerProcess process) => this.process = process;

    public Uri BaseAddress => process.BaseAddress;

    public static async Task<SecondInstance> StartAsync(MfaAppFactory app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var environment = app.Settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);
        environment["AzureWebJobsStorage"] = app.StorageConnectionString;
        environment["DOTNET_ENVIRONMENT"] = "Testing";
        environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        return new SecondInstance(await HandlerProcess.StartAsync(environment));
    }

    public HttpClient ClientWithToken(string token) => process.Client(token);

    public ValueTask DisposeAsync() => process.DisposeAsync();
}
