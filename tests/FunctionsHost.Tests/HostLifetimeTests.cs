using System.Diagnostics;
using System.Net;
using Azure.Storage.Queues;
using FunctionsHost.Tests.Infrastructure;

namespace FunctionsHost.Tests;

/// <summary>Hosts of their own: these tests stop the host, or take its storage away.</summary>
public sealed class HostLifetimeTests
{
    [Fact]
    public async Task Worker_process_is_gone_when_the_host_stops()
    {
        await using var host = await LocalHostProcess.StartAsync(new Dictionary<string, string> { ["AzureWebJobsStorage"] = Azurite.ConnectionStringFor(AzuritePorts.Free()) });
        var workerPid = await host.WorkerPid.WaitAsync(TimeSpan.FromSeconds(5));
        using (var worker = Process.GetProcessById(workerPid))
        {
            Assert.False(worker.HasExited);
        }

        var exitCode = await host.StopAsync();

        Assert.Equal(0, exitCode);
        Assert.True(await Recorded.EventuallyAsync(() => Task.FromResult(!IsRunning(workerPid)), TimeSpan.FromSeconds(5)), $"worker {workerPid} still runs.\n{host.Output}");
    }

    [Fact]
    public async Task Host_serves_http_while_storage_is_down_and_delivers_queue_messages_once_it_is_back()
    {
        var ports = AzuritePorts.Free();
        var connectionString = Azurite.ConnectionStringFor(ports);
        await using var host = await LocalHostProcess.StartAsync(new Dictionary<string, string> { ["AzureWebJobsStorage"] = connectionString });
        using var client = host.CreateClient();

        // Storage is down: the queue listener fails and backs off, HTTP carries on.
        await Task.Delay(TimeSpan.FromSeconds(1));
        using (var response = await client.GetAsync("api/hello/offline"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Contains("storage failed", host.Output, StringComparison.Ordinal);

        using var azurite = await Azurite.StartPrivateAsync(ports);
        var queue = new QueueClient(connectionString, "hello-items", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync("after-outage");

        var calls = await Recorded.WaitForAsync(host.RecordFile, "Record", "after-outage", count: 1, TimeSpan.FromSeconds(20));
        Assert.Equal(["1"], calls);
        Assert.False(host.HasExited);
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
