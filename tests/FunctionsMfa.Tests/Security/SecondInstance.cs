using System.Diagnostics;
using System.Net;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Security;

/// <summary>
/// A second handler process sharing the test app's Azurite and keys, the way Azure scales a function app out: the built
/// <c>FunctionsMfa.Functions.dll</c> run with <c>dotnet</c> on a free loopback port. Stopped (by its own process id) on dispose.
/// </summary>
public sealed class SecondInstance : IAsyncDisposable
{
    private readonly Process process;

    private SecondInstance(Process process, Uri baseAddress)
    {
        this.process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<SecondInstance> StartAsync(MfaAppFactory app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var dll = FunctionsDll();
        var port = Ports.FreeLoopbackPort();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "--urls", $"http://127.0.0.1:{port}" },
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in app.Settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["AzureWebJobsStorage"] = app.StorageConnectionString;
        start.Environment["DOTNET_ENVIRONMENT"] = "Testing";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment.Remove("FUNCTIONS_CUSTOMHANDLER_PORT");

        var process = Process.Start(start) ?? throw new InvalidOperationException("The second instance did not start.");
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
        process.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var instance = new SecondInstance(process, new Uri($"http://127.0.0.1:{port}"));
        using var probe = new HttpClient { BaseAddress = instance.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                await instance.DisposeAsync();
                throw new InvalidOperationException($"The second instance did not answer /health (exited: {process.HasExited}):\n{string.Join('\n', output)}");
            }

            try
            {
                if ((await probe.GetAsync("/health")).IsSuccessStatusCode)
                {
                    return instance;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }
    }

    public HttpClient ClientWithToken(string token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    /// <summary>The handler's own build output (with its runtimeconfig and deps), same configuration as the tests.</summary>
    private static string FunctionsDll()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var dll = Path.Combine(Azurite.RepositoryRoot(), "src", "Functions", "bin", configuration, "net10.0", "FunctionsMfa.Functions.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is missing; build the solution first.");
    }
}
