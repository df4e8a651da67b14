using System.Diagnostics;
using System.Globalization;

namespace FunctionsMfa.LocalHost;

/// <summary>
/// Starts the worker once the host listens, the way the Azure host does (its <c>RpcWorkerContext</c> and
/// <c>RpcWorkerProcess</c>): <c>worker.config.json</c>'s executable and worker path, the gRPC address and ids as
/// arguments in both spellings (the isolated worker maps <c>--functions-uri</c>, <c>--functions-worker-id</c>,
/// <c>--functions-request-id</c>, <c>--functions-grpc-max-message-length</c> to <c>Functions:Worker:*</c>), and
/// <c>FUNCTIONS_WORKER_DIRECTORY</c> / <c>FUNCTIONS_APPLICATION_DIRECTORY</c> in its environment (the worker resolves
/// the function assembly and reads <c>host.json</c>'s route prefix from there). The environment is the host's, plus
/// each <c>local.settings.json</c> value the host's environment does not set. Stopping the host stops the worker:
/// <c>WorkerTerminate</c> first, then a kill after the grace period. A worker that exits on its own stops the host,
/// where the Azure host would restart it.
/// <para>
/// A host that is killed outright (SIGKILL) runs none of that, and the worker does not notice that its stream broke
/// (its gRPC reader ends silently): it would live on. So on Linux the worker is started under
/// <c>setpriv --pdeathsig TERM</c>, and the kernel sends it SIGTERM when the host dies. The kernel ties that signal to
/// the thread that started the child, not the process, so a dedicated thread starts the worker and lives until the
/// host stops it: a thread-pool thread could retire and take the worker with it.
/// </para>
/// </summary>
internal sealed partial class WorkerProcess(
    FunctionApp app, WorkerChannel channel, GrpcEndpoint grpc, IHostApplicationLifetime lifetime, ILogger<WorkerProcess> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(5);

    private const string SetPriv = "/usr/bin/setpriv";

    private readonly ManualResetEventSlim released = new();
    private volatile Process? process;
    private volatile bool stopping;
    private volatile Task stopped = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Hosted services start before Kestrel listens; the worker dials the host at once, so it waits for that.
        lifetime.ApplicationStarted.Register(() => new Thread(Launch) { IsBackground = true, Name = "worker launcher" }.Start());
        // Kestrel's graceful stop waits for open requests, the worker's EventStream among them: the worker is asked
        // to stop as soon as the host begins to stop, so that the stream ends within the grace period.
        lifetime.ApplicationStopping.Register(() => stopped = StopWorkerAsync());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => stopped.WaitAsync(cancellationToken);

    public void Dispose()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
        }

        process?.Dispose();
        // Set, not disposed: the launcher thread may still be on its way into Wait.
        released.Set();
    }

    private void Launch()
    {
        Start();
        released.Wait();
    }

    private async Task StopWorkerAsync()
    {
        stopping = true;
        if (process is not { HasExited: false } running)
        {
            released.Set();
            return;
        }

        channel.Terminate(GracePeriod);
        using var grace = new CancellationTokenSource(GracePeriod);
        try
        {
            await running.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            LogKilled(running.Id);
            running.Kill(entireProcessTree: true);
            await running.WaitForExitAsync(CancellationToken.None);
        }
        finally
        {
            released.Set();
        }
    }

    private void Start()
    {
        if (stopping)
        {
            return;
        }

        try
        {
            process = Process.Start(StartInfo()) ?? throw new InvalidOperationException("The worker process did not start.");
        }
        catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            LogNotStarted(exception.Message);
            channel.Fail(exception);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
            return;
        }

        process.EnableRaisingEvents = true;
        process.OutputDataReceived += (_, line) => WorkerOutput(line.Data);
        process.ErrorDataReceived += (_, line) => WorkerOutput(line.Data);
        process.Exited += (_, _) => Exited();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        LogStarted(process.Id);
    }

    private ProcessStartInfo StartInfo()
    {
        var uri = grpc.Uri;
        var underSetPriv = OperatingSystem.IsLinux() && File.Exists(SetPriv);
        var start = new ProcessStartInfo(underSetPriv ? SetPriv : app.Worker.Executable)
        {
            WorkingDirectory = app.Directory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (underSetPriv)
        {
            // setpriv execs the worker in place: the pid is the worker's.
            foreach (var argument in (string[])["--pdeathsig", "TERM", "--", app.Worker.Executable])
            {
                start.ArgumentList.Add(argument);
            }
        }

        if (app.Worker.WorkerPath is { Length: > 0 } workerPath)
        {
            start.ArgumentList.Add(Path.Combine(app.Directory, workerPath));
        }

        foreach (var argument in app.Worker.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var argument in Arguments(uri, channel.WorkerId))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in app.ValuesNotInEnvironment())
        {
            start.Environment[name] = value;
        }

        start.Environment["FUNCTIONS_WORKER_DIRECTORY"] = app.Directory;
        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = app.Directory;
        start.Environment.TryAdd("AZURE_FUNCTIONS_ENVIRONMENT", "Development");
        return start;
    }

    /// <summary>The worker's command line as the Azure host writes it in both spellings; an embedded worker gets the same.</summary>
    internal static string[] Arguments(Uri uri, string workerId)
    {
        var requestId = Guid.NewGuid().ToString();
        var maxMessageLength = int.MaxValue.ToString(CultureInfo.InvariantCulture);
        return
        [
            "--host", uri.Host, "--port", uri.Port.ToString(CultureInfo.InvariantCulture), "--workerId", workerId,
            "--requestId", requestId, "--grpcMaxMessageLength", maxMessageLength,
            "--functions-uri", uri.AbsoluteUri, "--functions-worker-id", workerId,
            "--functions-request-id", requestId, "--functions-grpc-max-message-length", maxMessageLength,
        ];
    }

    private void WorkerOutput(string? line)
    {
        if (!string.IsNullOrEmpty(line))
        {
            LogOutput(line);
        }
    }

    private void Exited()
    {
        released.Set();
        channel.Fail(new InvalidOperationException("The worker process exited."));
        if (!stopping)
        {
            LogExited(process?.ExitCode ?? -1);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker process started (pid {Pid})")]
    private partial void LogStarted(int pid);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The worker process did not start: {Reason}")]
    private partial void LogNotStarted(string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The worker process exited on its own (exit code {ExitCode}); the host stops")]
    private partial void LogExited(int exitCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The worker (pid {Pid}) did not stop within the grace period; killed")]
    private partial void LogKilled(int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Line}")]
    private partial void LogOutput(string line);
}
