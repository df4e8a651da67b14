using System.Diagnostics;
using System.Net;
using System.Text;
using FunctionsMfa.Functions.Hosting;

namespace FunctionsMfa.Tests.Infrastructure;

/// <summary>
/// The handler as a real process on a free loopback port: the built <c>FunctionsMfa.Functions.dll</c> under
/// <c>dotnet</c>, or a native executable. The inherited environment is scrubbed of this app's settings so that only
/// what the test passes applies. Started when <c>/health</c> answers 200; killed on dispose.
/// </summary>
public sealed class HandlerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private HandlerProcess(Process process, int port)
    {
        this.process = process;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    public bool HasExited => process.HasExited;

    /// <summary>What the process wrote so far, stdout and stderr.</summary>
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
    /// <param name="executable">A native executable; null runs the JIT build with <c>dotnet</c>.</param>
    /// <param name="underHost">Take the port as the Functions host gives it (<c>FUNCTIONS_CUSTOMHANDLER_PORT</c>), not <c>--urls</c>.</param>
    public static async Task<HandlerProcess> StartAsync(
        IReadOnlyDictionary<string, string?> environment, string? workingDirectory = null, string? executable = null, bool underHost = false)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var port = Ports.FreeLoopbackPort();
        var start = new ProcessStartInfo(executable ?? Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (executable is null)
        {
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "FunctionsMfa.Functions.dll"));
        }

        foreach (var key in start.Environment.Keys.Where(IsAppSetting).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        if (underHost)
        {
            start.Environment[MfaApi.CustomHandlerPortVariable] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            start.ArgumentList.Add("--urls");
            start.ArgumentList.Add($"http://127.0.0.1:{port}");
        }

        var handler = new HandlerProcess(Process.Start(start) ?? throw new InvalidOperationException("The handler did not start."), port);
        handler.process.OutputDataReceived += (_, e) => handler.Append(e.Data);
        handler.process.ErrorDataReceived += (_, e) => handler.Append(e.Data);
        handler.process.BeginOutputReadLine();
        handler.process.BeginErrorReadLine();
        try
        {
            await handler.WaitForHealthAsync();
            return handler;
        }
        catch
        {
            await handler.DisposeAsync();
            throw;
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
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private static bool IsAppSetting(string key) =>
        key.StartsWith("Mfa", StringComparison.OrdinalIgnoreCase) || key.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) ||
        key.StartsWith("AzureWebJobsStorage", StringComparison.OrdinalIgnoreCase) || key == MfaApi.CustomHandlerPortVariable;

    private void Append(string? line)
    {
        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private async Task WaitForHealthAsync()
    {
        using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited || waited.Elapsed > TimeSpan.FromMinutes(1))
            {
                throw new InvalidOperationException($"The handler did not answer /health on {Port} (exited: {process.HasExited}):\n{Output}");
            }

            try
            {
                if ((await probe.GetAsync("/health")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(50);
        }
    }
}
