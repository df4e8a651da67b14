using System.Diagnostics;

namespace FunctionsMfa.Tests.Infrastructure;

/// <summary>
/// An Azurite of one test's alone that the test stops and starts again, on the same ports and the same data folder
/// (persisted, not in memory), so what was stored before a stop is there after the restart: an outage, not a new
/// account. The connection string is known before the first start, so an app can be started while storage is down.
/// Stopping kills the process, as a crash would; clients then see connections refused. (A graceful SIGTERM is no
/// better: Azurite then waits for its clients' keep-alive connections to close, which a running app never does.)
/// Azurite saves its data every 5 s (LokiJS autosave), so a test whose data must survive the stop waits
/// <see cref="SaveInterval"/> after its last write.
/// </summary>
public sealed class RestartableAzurite : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    // Below the ephemeral range: nothing else takes them while this Azurite is down (Ports.ReservedLoopbackPort).
    private readonly int blob = Ports.ReservedLoopbackPort();
    private readonly int queue = Ports.ReservedLoopbackPort();
    private readonly int table = Ports.ReservedLoopbackPort();
    private readonly DirectoryInfo data = Directory.CreateTempSubdirectory("mfa-azurite-");
    private Process? process;

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";

    /// <summary>Azurite's autosave interval (5 s) and a margin.</summary>
    public static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(6);

    public bool IsRunning => process is { HasExited: false };

    public async Task StartAsync()
    {
        if (IsRunning)
        {
            return;
        }

        process?.Dispose();
        (_, process) = await Azurite.LaunchAsync(blob, queue, table, data.FullName);
    }

    public async Task StopAsync()
    {
        if (process is not { HasExited: false } running)
        {
            return;
        }

        running.Kill(entireProcessTree: true);
        await running.WaitForExitAsync();

        var waited = Stopwatch.StartNew();
        while (await Azurite.IsListeningAsync(table) || await Azurite.IsListeningAsync(queue))
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(20))
            {
                throw new InvalidOperationException("Azurite still listens after it exited.");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (process is { HasExited: false } running)
        {
            running.Kill(entireProcessTree: true);
            await running.WaitForExitAsync();
        }

        process?.Dispose();
        try
        {
            data.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
