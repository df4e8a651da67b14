using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FunctionsMfa.Testing;

/// <summary>
/// One real Azurite for the whole test run, on free ports, in memory, started from the repository's pinned npm
/// package. When it cannot start, every test that needs it fails with the reason: tests never skip.
/// </summary>
public sealed class Azurite : IDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly Lazy<Task<Azurite>> Shared = new(StartAsync);

    private readonly Process? ownProcess;

    private Azurite(string connectionString, Process? ownProcess = null)
    {
        ConnectionString = connectionString;
        this.ownProcess = ownProcess;
    }

    public string ConnectionString { get; }

    public static Task<Azurite> InstanceAsync() => Shared.Value;

    /// <summary>An Azurite of the caller's alone (disposed by it), for a process whose queue drainer must not see other tests' messages.</summary>
    public static async Task<Azurite> StartPrivateAsync()
    {
        var (connectionString, process) = await LaunchAsync();
        return new Azurite(connectionString, process);
    }

    public void Dispose()
    {
        if (ownProcess is { HasExited: false })
        {
            ownProcess.Kill(entireProcessTree: true);
        }

        ownProcess?.Dispose();
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "FunctionsMfa.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root (FunctionsMfa.sln) was not found above the test binaries.");
    }

    private static async Task<Azurite> StartAsync()
    {
        // An Azurite started by the caller (MFA_TEST_STORAGE) is used as it is.
        if (Environment.GetEnvironmentVariable("MFA_TEST_STORAGE") is { Length: > 0 } external)
        {
            return new Azurite(external);
        }

        var (connectionString, _) = await LaunchAsync();
        return new Azurite(connectionString);
    }

    private static Task<(string ConnectionString, Process Process)> LaunchAsync() =>
        LaunchAsync(Ports.FreeLoopbackPort(), Ports.FreeLoopbackPort(), Ports.FreeLoopbackPort(), location: null);

    /// <summary>The connection string of an Azurite on these ports, whether or not one is running there.</summary>
    public static string ConnectionStringFor(AzuritePorts ports)
    {
        ArgumentNullException.ThrowIfNull(ports);
        return $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{ports.Blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{ports.Queue}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{ports.Table}/devstoreaccount1;";
    }

    /// <summary>An Azurite of the caller's alone on ports chosen before it starts (so a test can point at it while it is down).</summary>
    public static async Task<Azurite> StartPrivateAsync(AzuritePorts ports)
    {
        ArgumentNullException.ThrowIfNull(ports);
        var (connectionString, process) = await LaunchAsync(ports.Blob, ports.Queue, ports.Table, location: null);
        return new Azurite(connectionString, process);
    }

    /// <summary>Starts Azurite on the given ports, in memory or (with <paramref name="location"/>) persisting to that folder.</summary>
    internal static async Task<(string ConnectionString, Process Process)> LaunchAsync(int blob, int queue, int table, string? location)
    {
        var script = Path.Combine(RepositoryRoot(), "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed ({script} is missing). Run ./build.sh test, which installs it with npm ci.");
        }

        var start = new ProcessStartInfo("node")
        {
            ArgumentList =
            {
                script, "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose", "--disableProductStyleUrl",
                "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(), "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(),
                "--tableHost", "127.0.0.1", "--tablePort", table.ToString(),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (location is null)
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(location);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
        };

        var deadline = Stopwatch.StartNew();
        while (!(await IsListeningAsync(table) && await IsListeningAsync(queue) && await IsListeningAsync(blob)))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new InvalidOperationException($"Azurite did not listen on ports {blob}/{queue}/{table} (exited: {process.HasExited}).");
            }

            await Task.Delay(100);
        }

        return (ConnectionStringFor(new AzuritePorts(blob, queue, table)), process);
    }

    internal static async Task<bool> IsListeningAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>The three ports of one Azurite.</summary>
public sealed record AzuritePorts(int Blob, int Queue, int Table)
{
    /// <summary>Ports for an Azurite that starts later (or never: storage that is down), which nothing else takes meanwhile (<see cref="Ports.ReservedLoopbackPort"/>).</summary>
    public static AzuritePorts Free() => new(Ports.ReservedLoopbackPort(), Ports.ReservedLoopbackPort(), Ports.ReservedLoopbackPort());
}
