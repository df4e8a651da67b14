using System.Net;
using Azure.Storage.Queues;
using FunctionsHost.Tests.Infrastructure;

namespace FunctionsHost.Tests;

/// <summary>A host of its own whose storage is down when it starts, and comes up later (a class of its own, so it runs beside the others: Azurite takes seconds to start).</summary>
public sealed class StorageOutageTests
{
    [Fact]
    public async Task Host_serves_http_while_storage_is_down_and_delivers_queue_messages_once_it_is_back()
    {
        var ports = AzuritePorts.Free();
        var connectionString = Azurite.ConnectionStringFor(ports);
        await using var host = await LocalHostProcess.StartAsync(new Dictionary<string, string> { ["AzureWebJobsStorage"] = connectionString });
        using var client = host.CreateClient();

        // Storage is down: the queue listener fails and backs off, HTTP carries on.
        Assert.True(
            await Recorded.EventuallyAsync(() => Task.FromResult(host.Output.Contains("storage failed", StringComparison.Ordinal)), TimeSpan.FromSeconds(15)),
            host.Output);
        using (var response = await client.GetAsync("api/hello/offline"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var azurite = await Azurite.StartPrivateAsync(ports);
        var queue = new QueueClient(connectionString, "hello-items", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync("after-outage");

        var calls = await Recorded.WaitForAsync(host.RecordFile, "Record", "after-outage", count: 1, TimeSpan.FromSeconds(20));
        Assert.Equal(["1"], calls);
        Assert.False(host.HasExited);
    }
}
