using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Storage;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Sms;

[Collection(SmsQueueCollection.Name)]
public sealed class SendSmsCodeTests(PhoneAppFactory app) : IClassFixture<PhoneAppFactory>, IAsyncLifetime
{
    public Task InitializeAsync()
    {
        app.Sms.Fail = false;
        return app.ClearSmsQueueAsync();
    }

    public Task DisposeAsync()
    {
        app.Sms.Fail = false;
        return app.ClearSmsQueueAsync();
    }

    private async Task<(HttpClient Client, string UserId, string Number, string Id)> PreparedAsync()
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId, null));
        var number = TestNumbers.NewUs();
        var id = (await client.AddAsync(number)).GetProperty("id").GetString()!;
        await client.PrepareAsync(id);
        return (client, userId, number, id);
    }

    [Fact]
    public async Task The_queue_trigger_sends_the_queued_sms_and_deletes_the_message()
    {
        var (client, _, number, id) = await PreparedAsync();

        // One receive of the host's queue trigger: the message goes over gRPC to SendSmsCode, which sends it.
        Assert.Equal(1, await app.DrainAsync());

        var sms = app.Sms.Sent.Single(s => s.To == number);
        Assert.True(Guid.TryParse(sms.RequestId, out _));
        Assert.Empty((await app.Queue(MfaQueues.SmsCodes).PeekMessagesAsync(32)).Value);
        Assert.Equal(HttpStatusCode.OK, (await client.AttemptAsync(id, sms.Code)).StatusCode);
    }

    [Fact]
    public async Task A_failed_send_fails_the_invocation_and_the_message_stays_for_the_next_dequeue()
    {
        var (_, _, number, _) = await PreparedAsync();
        app.Sms.Fail = true;
        Assert.Equal(1, await app.DrainAsync());
        Assert.DoesNotContain(app.Sms.Sent, s => s.To == number);
        var again = Assert.Single((await app.Queue(MfaQueues.SmsCodes).PeekMessagesAsync(32)).Value);
        Assert.Equal(1, again.DequeueCount);
        Assert.Contains(app.Logs.Lines, l => l.Contains("provider down", StringComparison.Ordinal) && l.Contains("the host will retry", StringComparison.Ordinal));

        app.Sms.Fail = false;
        Assert.Equal(1, await app.DrainAsync());
        Assert.Contains(app.Sms.Sent, s => s.To == number);
    }

    [Fact]
    public async Task After_five_failed_dequeues_the_message_goes_to_the_poison_queue_and_is_logged_and_audited()
    {
        var (_, userId, number, _) = await PreparedAsync();
        app.Sms.Fail = true;
        var calls = app.Sms.Calls;
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(1, await app.DrainAsync());
        }

        Assert.Equal(calls + 5, app.Sms.Calls);
        Assert.Equal(0, await app.DrainAsync());
        var remaining = (await app.Queue(MfaQueues.SmsCodes).PeekMessagesAsync(32)).Value;
        Assert.Empty(remaining);

        var poison = (await app.Queue(MfaQueues.SmsCodes + "-poison").PeekMessagesAsync(32)).Value;
        Assert.Contains(poison, m => m.Body.ToString().Contains(userId, StringComparison.Ordinal));

        var events = await app.Service<SecurityEventLog>().ListAsync(userId, 10, CancellationToken.None);
        var poisoned = Assert.Single(events, e => e.Type == SecurityEventTypes.SmsPoisoned);
        Assert.Equal("+*******" + number[^4..], poisoned.Data["to"]);
        Assert.Contains(app.Logs.Lines, l => l.Contains("sms-codes-poison", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_code_that_expired_while_queued_is_not_sent()
    {
        var (_, _, number, _) = await PreparedAsync();
        app.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1, await app.DrainAsync());
        Assert.DoesNotContain(app.Sms.Sent, s => s.To == number);
        Assert.Empty((await app.Queue(MfaQueues.SmsCodes).PeekMessagesAsync(32)).Value);
    }

    [Fact]
    public async Task No_code_is_stored_in_clear_in_a_table_or_a_queue_message_nor_written_to_a_log()
    {
        var (client, userId, number, id) = await PreparedAsync();
        var message = (await app.Queue(MfaQueues.SmsCodes).PeekMessageAsync()).Value;
        var code = await app.NextCodeAsync(number);
        var codeBytes = Encoding.ASCII.GetBytes(code);

        using (var document = JsonDocument.Parse(message.Body.ToString()))
        {
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "sealed_code")
                {
                    var sealedBytes = Convert.FromBase64String(property.Value.GetString()!);
                    Assert.True(sealedBytes.AsSpan().IndexOf(codeBytes) < 0, "The sealed code holds the code's bytes.");
                }
                else
                {
                    Assert.DoesNotContain(code, property.Value.ToString(), StringComparison.Ordinal);
                }
            }
        }

        var wrong = code == "000000" ? "111111" : "000000";
        await client.AttemptAsync(id, wrong);
        Assert.Equal(HttpStatusCode.OK, (await client.AttemptAsync(id, code)).StatusCode);

        foreach (var (table, partition) in new[]
        {
            (MfaTables.Users, userId), (MfaTables.SmsLimits, "number:" + number),
        })
        {
            var client2 = new TableClient(app.StorageConnectionString, table);
            var rows = 0;
            await foreach (var entity in client2.QueryAsync<TableEntity>(e => e.PartitionKey == partition))
            {
                rows++;
                foreach (var (key, value) in entity)
                {
                    switch (value)
                    {
                        case string text:
                            Assert.DoesNotContain(code, text, StringComparison.Ordinal);
                            break;
                        case byte[] bytes:
                            Assert.True(bytes.AsSpan().IndexOf(codeBytes) < 0, $"{table}/{key} holds the code's bytes.");
                            break;
                    }
                }
            }

            Assert.True(rows > 0, $"Nothing stored in {table} for {partition}.");
        }

        Assert.NotEmpty(app.Logs.Lines);
        Assert.DoesNotContain(app.Logs.Lines, line => line.Contains(code, StringComparison.Ordinal));
    }
}
