using System.Net;
using Azure.Core;
using Azure.Core.Pipeline;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Storage;
using FunctionsMfa.Tests.Infrastructure;
using FunctionsMfa.Tests.SignIns;
using FunctionsMfa.Tests.Sms;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsMfa.Tests.Storage;

/// <summary>
/// Sits after the storage clients' retry policy (once per try): when armed, lets the first matching request reach
/// storage and then loses its answer, as a network timeout after the write would, so the SDK sends it again.
/// </summary>
public sealed class LostAnswers : HttpPipelinePolicy
{
    private Func<HttpMessage, bool>? lose;

    /// <summary>The number of answers lost since <see cref="LoseFirst"/>.</summary>
    public int Lost { get; private set; }

    public void LoseFirst(Func<HttpMessage, bool> match)
    {
        Lost = 0;
        lose = match;
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await ProcessNextAsync(message, pipeline);
        if (lose is { } match && match(message))
        {
            lose = null;
            Lost++;
            throw new IOException("Injected: the answer was lost after storage wrote the request.");
        }
    }
}

public sealed class LostAnswerAppFactory : PhoneAppFactory
{
    public LostAnswers Answers { get; } = new();

    protected override void ConfigureTestServices(IServiceCollection services)
    {
        base.ConfigureTestServices(services);
        services.AddSingleton(new StoragePolicy(Answers, HttpPipelinePosition.PerRetry));
    }
}

/// <summary>
/// A write whose first try was stored but whose answer was lost is retried by the SDK and meets its own rows (409/412):
/// the request still succeeds, once, and nothing is written twice (found by the bench at c=64, where it was a 500).
/// </summary>
[Collection(SmsQueueCollection.Name)]
public sealed class LostAnswerTests(LostAnswerAppFactory app) : IClassFixture<LostAnswerAppFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => app.ClearSmsQueueAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static bool Transaction(HttpMessage message) =>
        message.Request.Method == RequestMethod.Post && message.Request.Uri.Path.EndsWith("/$batch", StringComparison.Ordinal);

    /// <summary>Sends <paramref name="request"/> with its first transaction's answer lost; its answer, which must be a success.</summary>
    private async Task<JsonElement> LosingFirstAnswerAsync(Func<Task<HttpResponseMessage>> request)
    {
        app.Answers.LoseFirst(Transaction);
        var response = await request();
        Assert.Equal(1, app.Answers.Lost);
        var body = response.Content.Headers.ContentLength is 0 ? default : await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {body}");
        return body;
    }
    private static bool Inserts(HttpMessage message, string table) =>
        message.Request.Method == RequestMethod.Post && message.Request.Uri.Path.EndsWith("/" + table, StringComparison.Ordinal);

    [Fact]
    public async Task A_sign_in_whose_insert_answer_was_lost_is_created_once_and_answered_200()
    {
        var userId = Wire.NewUserId();
        app.Answers.LoseFirst(m => Inserts(m, MfaTables.SignIns));
        var response = await app.BackendClient().PostJsonAsync("/v1/sign_ins", new { user_id = userId });

        Assert.Equal(1, app.Answers.Lost);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var signIn = await response.JsonAsync();
        var id = signIn.GetProperty("id").GetString()!;
        // The answer's client token opens the stored sign-in: the row is the one this request wrote.
        using var client = app.ClientWithToken(signIn.GetProperty("client_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/client/sign_ins/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.ClientWithToken(signIn.GetProperty("session_token").GetString()!).GetAsync("/v1/me")).StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("ada@example.com")]
    public async Task A_session_whose_insert_answer_was_lost_is_handed_out_once(string? label)
    {
        var userId = Wire.NewUserId();
        // A user without a second factor: the sign-in's session row (with the label, when one is new) is one transaction.
        app.Answers.LoseFirst(Transaction);
        var response = await app.BackendClient().PostJsonAsync("/v1/sign_ins", label is null ? new { user_id = userId } : new { user_id = userId, user_label = label });

        Assert.Equal(1, app.Answers.Lost);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var signIn = await response.JsonAsync();
        Assert.Equal("complete", signIn.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await app.ClientWithToken(signIn.GetProperty("session_token").GetString()!).GetAsync("/v1/me")).StatusCode);
    }

    [Fact]
    public async Task An_audit_event_whose_insert_answer_was_lost_is_recorded_once()
    {
        var userId = Wire.NewUserId();
        // An unlock of a user with a fresh budget writes nothing but its audit event: one insert into the user's partition.
        app.Answers.LoseFirst(m => Inserts(m, MfaTables.Users));
        var unlocked = await app.BackendClient().PostAsync($"/v1/users/{userId}/unlock", null);

        Assert.Equal(1, app.Answers.Lost);
        Assert.Equal(HttpStatusCode.OK, unlocked.StatusCode);
        var events = await app.Service<SecurityEventLog>().ListAsync(userId, 10, CancellationToken.None);
        Assert.Single(events, e => e.Type == SecurityEventTypes.UserUnlocked);
    }

    [Fact]
    public async Task A_sign_in_whose_commit_answer_was_lost_completes_once_with_its_session()
    {
        var user = await app.EnrolAsync(Wire.NewUserId());
        app.Time.Advance(TimeSpan.FromSeconds(30));
        var signIn = await app.StartSignInAsync(user.UserId);

        // The attempt's one transaction (budget, code step, session, sign-in, events) is written, its answer lost: the
        // SDK's retry meets the rows it wrote, and the request finds its own stamp instead of judging a used code.
        app.Answers.LoseFirst(Transaction);
        var response = await app.AttemptAsync(signIn, "totp", app.TotpCode(user.TotpSecret));

        Assert.Equal(1, app.Answers.Lost);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.JsonAsync();
        Assert.Equal("complete", body.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await app.ClientWithToken(body.GetProperty("session_token").GetString()!).GetAsync("/v1/me")).StatusCode);
        var events = await app.Service<SecurityEventLog>().ListAsync(user.UserId, 50, CancellationToken.None);
        Assert.Single(events, e => e.Type == SecurityEventTypes.SecondFactorSucceeded);
        Assert.DoesNotContain(events, e => e.Type == SecurityEventTypes.SecondFactorFailed);
    }

    // Each write route, its one transaction's answer lost: the route answers as if sent once, and what it handed out works.

    [Fact]
    public async Task A_totp_verification_whose_answer_was_lost_returns_its_backup_codes_and_they_work()
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId, null));
        var secret = (await (await client.PostAsync("/v1/me/totp", null)).JsonAsync()).GetProperty("secret").GetString()!;

        var verified = await LosingFirstAnswerAsync(() => client.PostJsonAsync("/v1/me/totp/attempt_verification", new { code = app.TotpCode(secret) }));

        Assert.True(verified.GetProperty("verified").GetBoolean());
        var codes = verified.GetProperty("backup_codes");
        Assert.Equal(10, codes.GetArrayLength());
        await AssertSignsInAsync(userId, "backup_code", codes[0].GetString()!);
    }

    [Fact]
    public async Task A_backup_code_regeneration_whose_answer_was_lost_returns_the_stored_set()
    {
        var user = await app.EnrolAsync(Wire.NewUserId());
        var client = app.ClientWithToken(app.SessionToken(user.UserId));

        var set = await LosingFirstAnswerAsync(() => client.PostAsync("/v1/me/backup_codes", null));

        await AssertSignsInAsync(user.UserId, "backup_code", set.GetProperty("codes")[0].GetString()!);
        var old = await app.AttemptAsync(await app.StartSignInAsync(user.UserId), "backup_code", user.BackupCodes[1]);
        Assert.False(old.IsSuccessStatusCode);
    }

    [Fact]
    public async Task A_totp_removal_whose_answer_was_lost_is_answered_as_removed()
    {
        var user = await app.EnrolAsync(Wire.NewUserId());
        var client = app.ClientWithToken(app.SessionToken(user.UserId));

        var removed = await LosingFirstAnswerAsync(() => client.DeleteAsync("/v1/me/totp"));

        Assert.True(removed.GetProperty("deleted").GetBoolean());
        Assert.False((await (await client.GetAsync("/v1/me")).JsonAsync()).GetProperty("totp_enabled").GetBoolean());
    }

    [Fact]
    public async Task A_phone_number_whose_insert_answer_was_lost_is_added_once()
    {
        var client = app.ClientWithToken(app.SessionToken(Wire.NewUserId(), null));
        var number = TestNumbers.NewUs();

        var added = await LosingFirstAnswerAsync(() => client.PostJsonAsync("/v1/me/phone_numbers", new { phone_number = number }));

        var phones = (await (await client.GetAsync("/v1/me")).JsonAsync()).GetProperty("phone_numbers");
        Assert.Equal(added.GetProperty("id").GetString(), Assert.Single(phones.EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_verification_code_whose_answer_was_lost_is_sent_and_verifies_the_number()
    {
        var client = app.ClientWithToken(app.SessionToken(Wire.NewUserId(), null));
        var number = TestNumbers.NewUs();
        var id = (await client.AddAsync(number)).GetProperty("id").GetString()!;

        await LosingFirstAnswerAsync(() => client.PostAsync($"/v1/me/phone_numbers/{id}/prepare_verification", null));
        var code = await app.NextCodeAsync(number);

        var verified = await LosingFirstAnswerAsync(() => client.AttemptAsync(id, code));
        Assert.Equal("verified", verified.GetProperty("verification").GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_backup_code_sign_in_whose_answer_was_lost_completes()
    {
        var user = await app.EnrolAsync(Wire.NewUserId());
        var signIn = await app.StartSignInAsync(user.UserId);

        var completed = await LosingFirstAnswerAsync(() => app.AttemptAsync(signIn, "backup_code", user.BackupCodes[0]));

        Assert.Equal("complete", completed.GetProperty("status").GetString());
        Assert.Equal(9, (await app.BackendUserAsync(user.UserId)).GetProperty("backup_codes_remaining").GetInt32());
    }

    [Fact]
    public async Task An_sms_sign_in_whose_answers_were_lost_sends_its_code_and_completes()
    {
        var (userId, number) = await app.UserWithSecondFactorPhoneAsync();
        var signIn = await app.StartSignInAsync(userId);

        await LosingFirstAnswerAsync(() => app.ClientWithToken(signIn.ClientToken)
            .PostJsonAsync($"/v1/client/sign_ins/{signIn.Id}/prepare_second_factor", new { strategy = "phone_code" }));
        var code = await app.NextCodeAsync(number);
        var completed = await LosingFirstAnswerAsync(() => app.AttemptAsync(signIn, "phone_code", code));

        Assert.Equal("complete", completed.GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_sms_whose_number_reservation_answer_was_lost_is_still_sent()
    {
        var (userId, number) = await app.UserWithSecondFactorPhoneAsync();
        var signIn = await app.StartSignInAsync(userId);

        // The number's send log (its own table, one conditional write): its answer lost, the SDK's retry meets the
        // request's own reservation, which is not another send inside the minimum interval.
        app.Answers.LoseFirst(m => m.Request.Method != RequestMethod.Get && m.Request.Uri.Path.Contains("/" + MfaTables.SmsLimits, StringComparison.Ordinal));
        var prepared = await app.ClientWithToken(signIn.ClientToken)
            .PostJsonAsync($"/v1/client/sign_ins/{signIn.Id}/prepare_second_factor", new { strategy = "phone_code" });

        Assert.Equal(1, app.Answers.Lost);
        Assert.True(prepared.IsSuccessStatusCode, await prepared.Content.ReadAsStringAsync());
        var completed = await app.AttemptAsync(signIn, "phone_code", await app.NextCodeAsync(number));
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
    }

    [Fact]
    public async Task A_reset_whose_answer_was_lost_is_answered_as_done()
    {
        var user = await app.EnrolAsync(Wire.NewUserId());

        await LosingFirstAnswerAsync(() => app.BackendClient().DeleteAsync($"/v1/users/{user.UserId}/mfa"));

        Assert.False((await app.BackendUserAsync(user.UserId)).GetProperty("two_factor_enabled").GetBoolean());
    }

    private async Task AssertSignsInAsync(string userId, string strategy, string code)
    {
        var attempt = await app.AttemptAsync(await app.StartSignInAsync(userId), strategy, code);
        Assert.True(attempt.IsSuccessStatusCode, (await attempt.JsonAsync()).ToString());
    }
}
