namespace FunctionsMfa.LocalHost;

/// <summary>
/// Prints the functions and their URLs once the worker has loaded them, as <c>func start</c> does, and then the line
/// "Host ready: URL", which scripts and tests wait for. A worker that fails to start or to load its functions stops
/// the host with exit code 1, so that a script does not wait for a host that will never serve.
/// </summary>
internal sealed class ReadyBanner(WorkerChannel channel, FunctionApp app, HttpEndpoint address, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        WorkerFunctions functions;
        try
        {
            functions = await channel.Ready.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (InvalidOperationException)
        {
            // The reason is logged where it happened (WorkerChannel, WorkerProcess).
            if (!stoppingToken.IsCancellationRequested)
            {
                Environment.ExitCode = 1;
                lifetime.StopApplication();
            }

            return;
        }

        var baseUrl = address.BaseUrl;
        var output = Console.Out;
        await output.WriteLineAsync("Functions:");
        foreach (var function in functions.Functions.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var line = function switch
            {
                { Http: { } http } => $"  {function.Name}: [{string.Join(',', http.Methods ?? ["*"])}] {baseUrl}/{HttpFunctionRouter.Template(app.Host.RoutePrefix, http.Route)}",
                { Queue: { } queue } => $"  {function.Name}: queueTrigger {queue.QueueName}",
                _ => $"  {function.Name}: (trigger not run by this host)",
            };
            await output.WriteLineAsync(line);
        }

        await output.WriteLineAsync($"Host ready: {baseUrl}");
        await output.FlushAsync(stoppingToken);
    }
}

