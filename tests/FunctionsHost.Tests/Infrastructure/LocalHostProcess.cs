using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace FunctionsHost.Tests.Infrastructure;

/// <summary>
/// The real local host running the real hello worker, as two processes. Each instance runs a copy of the worker's
/// build output in a folder of its own, with its own <c>local.settings.json</c>, as a published app would lie.
/// <see cref="StopAsync"/> stops the host as Ctrl+C or a service manager would (SIGTERM); disposing kills whatever
/// is left and deletes the folder.
/// </summary>
public sealed class LocalHostProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process process;
    private readonly ConcurrentQueue<string> output = new();
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> workerPid = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LocalHostProcess(Process process, string appDirectory, int port)
    {
        this.process = process;
        AppDirectory = appDirectory;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public Uri BaseAddress { get; }

    public string AppDirectory { get; }

    /// <summary>The file the hello worker's queue functions record their calls in (HELLO_RECORD_FILE).</summary>
    public string RecordFile => Path.Combine(AppDirectory, "record.tsv");

    public Task<int> WorkerPid => workerPid.Task;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public string Output => string.Join('\n', output);

    /// <summary>Starts a host for a copy of the hello worker and waits until it says it is ready.</summary>
    public static async Task<LocalHostProcess> StartAsync(
        IReadOnlyDictionary<string, string> values,
        IReadOnlyDictionary<string, string>? environment = null,
        IReadOnlyList<string>? arguments = null,
        IReadOnlyDictionary<string, string>? hostSection = null)
    {
        var appDirectory = Path.Combine(Path.GetTempPath(), "functionshost-tests-" + Guid.NewGuid().ToString("N"));
        CopyDirectory(BuildOutput("tools/HelloWorker"), appDirectory);
        var settings = new Dictionary<string, string>(values) { ["HELLO_RECORD_FILE"] = Path.Combine(appDirectory, "record.tsv") };
        await File.WriteAllTextAsync(
            Path.Combine(appDirectory, "local.settings.json"),
            JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["IsEncrypted"] = false,
                ["Values"] = settings,
                ["Host"] = hostSection ?? new Dictionary<string, string>(),
            }));

        var port = Ports.FreeLoopbackPort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(BuildOutput("tools/FunctionsHost"), "FunctionsMfa.LocalHost.dll"));
        foreach (var argument in (string[])["--script-root", appDirectory, "--port", port.ToString(CultureInfo.InvariantCulture), .. arguments ?? []])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var host = new LocalHostProcess(Process.Start(start) ?? throw new InvalidOperationException("The host did not start."), appDirectory, port);
        host.process.OutputDataReceived += (_, line) => host.Received(line.Data);
        host.process.ErrorDataReceived += (_, line) => host.Received(line.Data);
        host.process.BeginOutputReadLine();
        host.process.BeginErrorReadLine();
        try
        {
            await host.ready.Task.WaitAsync(StartTimeout);
        }
        catch (Exception exception) when (exception is TimeoutException or InvalidOperationException)
        {
            var log = host.Output;
            await host.DisposeAsync();
            throw new InvalidOperationException($"The host did not get ready: {exception.Message}\n{log}", exception);
        }

        return host;
    }

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Asks the host to stop (SIGTERM) and waits for it to exit.</summary>
    public async Task<int> StopAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
        return process.ExitCode;
    }

    /// <summary>Kills the host alone (SIGKILL), leaving its worker to fend for itself.</summary>
    public async Task KillHostOnlyAsync()
    {
        process.Kill(entireProcessTree: false);
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        try
        {
            Directory.Delete(AppDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The build output of a project in this repository, in the configuration the tests were built in.</summary>
    private static string BuildOutput(string project)
    {
        // The tests run from tests/FunctionsHost.Tests/bin/<configuration>/<framework>/.
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = framework.Parent!.Name;
        var directory = Path.Combine(Azurite.RepositoryRoot(), project, "bin", configuration, framework.Name);
        return Directory.Exists(directory) ? directory : throw new InvalidOperationException($"{directory} is missing: build the solution first.");
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(directory.Replace(from, to, StringComparison.Ordinal));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
        }
    }

    private void Received(string? line)
    {
        if (line is null)
        {
            ready.TrySetException(new InvalidOperationException("The host exited before it was ready."));
            return;
        }

        output.Enqueue(line);
        if (line.StartsWith("Host ready: ", StringComparison.Ordinal))
        {
            ready.TrySetResult();
        }

        const string started = "Worker process started (pid ";
        var at = line.IndexOf(started, StringComparison.Ordinal);
        if (at >= 0)
        {
            var pid = line[(at + started.Length)..].TrimEnd(')');
            workerPid.TrySetResult(int.Parse(pid, CultureInfo.InvariantCulture));
        }
    }
}
