using System.Text;
using Azure.Storage.Queues;
using FunctionsMfa.Functions.Hosting;

namespace FunctionsMfa.Tests.Hosting;

/// <summary>
/// Standalone mode's queue drainer against real Azurite, with the Functions queue trigger's semantics: base64 messages
/// decoded for the function, the dequeue count passed on, a failure retried, and after 5 dequeues the message moved to
/// <c>&lt;queue&gt;-poison</c>.
/// </summary>
public sealed class QueueDrainerTests(RecordingQueueAppFactory app) : IClassFixture<RecordingQueueAppFactory>
{
    private QueueClient Queue(string name, bool base64 = true) => new(
        app.StorageConnectionString, name,
        new QueueClientOptions { MessageEncoding = base64 ? QueueMessageEncoding.Base64 : QueueMessageEncoding.None });

    private async Task<QueueClient> FreshQueueAsync()
    {
        app.Script.Invocations.Clear();
        var queue = Queue(app.Script.QueueName);
        await queue.CreateIfNotExistsAsync();
        await queue.ClearMessagesAsync();
        await Queue(app.Script.QueueName + "-poison").DeleteIfExistsAsync();
        return queue;
    }

    private Task<int> DrainOnceAsync() => app.Service<QueueDrainer>().DrainOnceAsync(CancellationToken.None);

    private static async Task<int> CountAsync(QueueClient queue) =>
        await queue.ExistsAsync() ? (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount : 0;

    [Fact]
    public async Task A_base64_message_arrives_decoded_with_dequeue_count_1_and_is_deleted_on_success()
    {
        var queue = await FreshQueueAsync();
        app.Script.Succeed = _ => true;
        const string text = "{\"to\":\"+15555550100\",\"body\":\"Your code: ✓\"}";

        var sent = await queue.SendMessageAsync(text);

        // On the wire the message is base64, as the Functions queue trigger expects it.
        var raw = (await Queue(app.Script.QueueName, base64: false).PeekMessageAsync()).Value;
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes(text)), raw.Body.ToString());

        Assert.Equal(1, await DrainOnceAsync());

        var invocation = Assert.Single(app.Script.Invocations);
        Assert.Equal(text, invocation.MessageText);
        Assert.Equal(1, invocation.DequeueCount);
        Assert.Equal(sent.Value.MessageId, invocation.MessageId);
        Assert.Equal(0, await CountAsync(queue));
        Assert.Equal(0, await DrainOnceAsync());
    }

    [Fact]
    public async Task A_failing_message_is_retried_with_a_growing_dequeue_count_and_after_5_dequeues_moves_to_the_poison_queue()
    {
        var queue = await FreshQueueAsync();
        app.Script.Succeed = _ => false;
        var poison = Queue(app.Script.QueueName + "-poison");
        try
        {
            await queue.SendMessageAsync("poisonous");

            for (var attempt = 1; attempt <= 4; attempt++)
            {
                Assert.Equal(1, await DrainOnceAsync());
                Assert.Equal(1, await CountAsync(queue));
                Assert.Equal(0, await CountAsync(poison));
            }

            Assert.Equal(1, await DrainOnceAsync());

            Assert.Equal([1L, 2L, 3L, 4L, 5L], app.Script.Invocations.Select(i => i.DequeueCount));
            Assert.All(app.Script.Invocations, i => Assert.Equal("poisonous", i.MessageText));
            Assert.Equal(0, await CountAsync(queue));
            var moved = Assert.Single((await poison.ReceiveMessagesAsync(10)).Value);
            Assert.Equal("poisonous", moved.Body.ToString());
            Assert.Equal(0, await DrainOnceAsync());
            Assert.Equal(5, app.Script.Invocations.Count);
        }
        finally
        {
            app.Script.Succeed = _ => true;
        }
    }

    [Fact]
    public async Task A_message_that_fails_once_succeeds_on_its_second_dequeue()
    {
        var queue = await FreshQueueAsync();
        app.Script.Succeed = invocation => invocation.DequeueCount >= 2;
        try
        {
            await queue.SendMessageAsync("second time lucky");

            Assert.Equal(1, await DrainOnceAsync());
            Assert.Equal(1, await CountAsync(queue));
            Assert.Equal(1, await DrainOnceAsync());

            Assert.Equal([1L, 2L], app.Script.Invocations.Select(i => i.DequeueCount));
            Assert.Equal(0, await CountAsync(queue));
            Assert.Equal(0, await CountAsync(Queue(app.Script.QueueName + "-poison")));
        }
        finally
        {
            app.Script.Succeed = _ => true;
        }
    }

    [Fact]
    public async Task A_function_that_throws_counts_as_a_failed_delivery()
    {
        var queue = await FreshQueueAsync();
        app.Script.Throw = true;
        try
        {
            await queue.SendMessageAsync("throws");
            Assert.Equal(1, await DrainOnceAsync());
            Assert.Equal(1, await CountAsync(queue));
        }
        finally
        {
            app.Script.Throw = false;
        }

        Assert.Equal(1, await DrainOnceAsync());
        Assert.Equal([1L, 2L], app.Script.Invocations.Select(i => i.DequeueCount));
        Assert.Equal(0, await CountAsync(queue));
    }
}
