using Azure.Storage.Queues;
using FunctionsHost.Tests.Infrastructure;

namespace FunctionsHost.Tests;

[Collection(HelloHostCollection.Name)]
public sealed class QueueTriggerTests(HelloHostFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Queue_message_is_delivered_once_with_its_dequeue_count()
    {
        var message = "item-" + Guid.NewGuid().ToString("N");

        await Queue("hello-items").SendMessageAsync(message);

        var calls = await Recorded.WaitForAsync(fixture.Host.RecordFile, "Record", message, count: 1, Patience);
        Assert.Equal(["1"], calls);
        Assert.Equal(0, (await Queue("hello-items").PeekMessagesAsync(32)).Value.Count(m => m.MessageText == message));
    }

    [Fact]
    public async Task Failing_function_runs_maxDequeueCount_times_then_its_message_moves_to_the_poison_queue()
    {
        var message = "fail-" + Guid.NewGuid().ToString("N");

        await Queue("hello-fail").SendMessageAsync(message);

        // host.json: maxDequeueCount 3.
        var calls = await Recorded.WaitForAsync(fixture.Host.RecordFile, "Fail", message, count: 3, Patience);
        Assert.Equal(["1", "2", "3"], calls);
        var poisoned = await Recorded.EventuallyAsync(
            async () => (await Queue("hello-fail-poison").PeekMessagesAsync(32)).Value.Any(m => m.MessageText == message), Patience);
        Assert.True(poisoned, $"{message} is not in hello-fail-poison.\n{fixture.Host.Output}");
        // Not run a fourth time, and gone from the queue.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal(3, (await Recorded.CallsAsync(fixture.Host.RecordFile, "Fail", message)).Count);
        Assert.DoesNotContain((await Queue("hello-fail").PeekMessagesAsync(32)).Value, m => m.MessageText == message);
    }

    private QueueClient Queue(string name)
    {
        // The Functions default: Base64 message bodies (host.json messageEncoding).
        var queue = new QueueClient(fixture.StorageConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        queue.CreateIfNotExists();
        return queue;
    }
}
