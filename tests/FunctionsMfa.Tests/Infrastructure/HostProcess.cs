using System.Diagnostics;
using System.Net;
using System.Text;
using FunctionsMfa.Tests.Deployment;

namespace FunctionsMfa.Tests.Infrastructure;

/// <summary>
/// The app as Azure runs it, in processes of its own: the local Functions host (<c>tools/FunctionsHost</c>, built)
/// started with <c>dotnet</c> on a free loopback port with <c>--script-root</c> an app folder (the worker's build output,
/// or the published package unzipped), which starts the worker process itself. The inherited environment is scrubbed of
/// this app's settings, so only what the test passes applies. Ready when the host prints <c>Host ready</c>; the host
/// (and with it the worker) is stopped on dispose.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HostProcess(Process process, int port)
    {
        this.process = process;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri BaseAddress { get; }

    public bool HasExited => process.HasExited;

    /// <summary>The worker's build output (what <c>./build.sh run</c> serves).</summary>
    public static string BuiltApp => RepositoryFiles.PathOf("src", "Functions", "bin", "Debug", "net10.0");

    /// <summary>What the host and the worker wrote so far, stdout and stderr.</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <param name="environment">Settings in environment form (<c>Mfa__…</c>).</param>
    public static async Task<HostProcess> StartAsync(string scriptRoot, IReadOnlyDictionary<string, string?> environment, string? workingDirectory = null, string? cors = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var port = Ports.FreeLoopbackPort();
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory ?? scriptRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[RepositoryFiles.PathOf("tools", "FunctionsHost", "bin", "Debug", "net10.0", "FunctionsMfa.LocalHost.dll"),
            "--script-root", scriptRoot, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(argument);
        }

        if (cors is not null)
        {
            start.ArgumentList.Add("--cors");
            start.ArgumentList.Add(cors);
        }

        foreach (var key in start.Environment.Keys.Where(IsAppSetting).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var host = new HostProcess(Process.Start(start) ?? throw new InvalidOperationException("The host did not start."), port);
        host.process.OutputDataReceived += (_, e) => host.Append(e.Data);
        host.process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        host.process.BeginOutputReadLine();
        host.process.BeginErrorReadLine();
        try
        {
            await host.ready.Task.WaitAsync(TimeSpan.FromMinutes(1));
            return host;
        }
        catch (TimeoutException)
        {
            await host.DisposeAsync();
            throw new InvalidOperationException($"The host did not get ready on {port}:\n{host.Output}");
        }
    }

    public HttpClient Client(string? bearer = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", bearer);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            // SIGTERM: the host stops the worker (WorkerTerminate, then a kill after its grace period).
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        process.Dispose();
    }

    private static bool IsAppSetting(string key) =>
        key.StartsWith("Mfa", StringComparison.OrdinalIgnoreCase) || key.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) ||
        key.StartsWith("AzureWebJobs", StringComparison.OrdinalIgnoreCase) || key.StartsWith("FUNCTIONS_", StringComparison.OrdinalIgnoreCase);

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }

        if (line.StartsWith("Host ready: ", StringComparison.Ordinal))
        {
            ready.TrySetResult();
        }
    }
}
