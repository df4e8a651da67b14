using System.Text.Json;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Sms;

/// <summary>The app configured for ACS (<c>Mfa:Sms:Provider=Acs</c>), sending to a local listener that answers like ACS.</summary>
public sealed class AcsAppFactory : MfaAppFactory
{
    internal FakeAcs Acs { get; } = FakeAcs.Start();

    protected override void ConfigureSettings(IDictionary<string, string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        values["Mfa:Sms:Provider"] = "Acs";
        values["Mfa:Sms:Acs:ConnectionString"] = Acs.ConnectionString;
        values["Mfa:Sms:Acs:From"] = "+18005550100";
        values["Mfa:Sms:Acs:RetryDelay"] = "00:00:00.010";
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Acs.DisposeAsync();
    }
}

[Collection(SmsQueueCollection.Name)]
public sealed class AcsProviderTests(AcsAppFactory app) : IClassFixture<AcsAppFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => app.ClearSmsQueueAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_queued_code_goes_to_acs_and_a_redelivery_after_failures_reuses_the_repeatability_id()
    {
        var client = app.ClientWithToken(app.SessionToken(Wire.NewUserId(), null));
        var number = TestNumbers.NewUs();
        var id = (await client.AddAsync(number)).GetProperty("id").GetString()!;
        await client.PrepareAsync(id);

        // First delivery: ACS fails on every try of the pipeline (1 + 3 retries), so the queue function fails.
        for (var i = 0; i < 4; i++)
        {
            app.Acs.Answer(500, "{}", retryAfter: "0");
        }

        Assert.Equal(1, await app.DrainAsync());
        Assert.Equal(4, app.Acs.Requests.Count);

        // Second delivery: accepted.
        app.Acs.Answer(202, AcsSmsClientTests.Accepted(number, repeatability: "accepted"));
        Assert.Equal(1, await app.DrainAsync());
        Assert.Equal(0, await app.DrainAsync());
        Assert.Equal(5, app.Acs.Requests.Count);
        Assert.All(app.Acs.Requests, r => Assert.True(r.SignatureValid));

        var recipients = app.Acs.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.Single(recipients.Select(r => r.GetProperty("smsRecipients")[0].GetProperty("repeatabilityRequestId").GetString()).Distinct());
        Assert.Single(recipients.Select(r => r.GetProperty("smsRecipients")[0].GetProperty("repeatabilityFirstSent").GetString()).Distinct());
        Assert.Equal(number, recipients[^1].GetProperty("smsRecipients")[0].GetProperty("to").GetString());

        var message = recipients[^1].GetProperty("message").GetString()!;
        var code = System.Text.RegularExpressions.Regex.Match(message, "[0-9]{6}").Value;
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.AttemptAsync(id, code)).StatusCode);
    }
}
