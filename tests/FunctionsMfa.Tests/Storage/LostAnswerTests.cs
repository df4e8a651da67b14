using System.Net;
using Azure.Core;
using Azure.Core.Pipeline;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Storage;
using FunctionsMfa.Tests.Infrastructure;
using FunctionsMfa.Tests.SignIns;
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

public sealed class LostAnswerAppFactory : MfaAppFactory
{
    public LostAnswers Answers { get; } = new();

    protected override void ConfigureTestServices(IServiceCollection services) =>
        services.AddSingleton(new StoragePolicy(Answers, HttpPipelinePosition.PerRetry));
}

/// <summary>
/// A write whose first try was stored but whose answer was lost is retried by the SDK and meets its own rows (409/412):
/// the request still succeeds, once, and nothing is written twice (found by the bench at c=64, where it was a 500).
/// </summary>
public sealed class LostAnswerTests(LostAnswerAppFactory app) : IClassFixture<LostAnswerAppFactory>
{
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
        app.Answers.LoseFirst(m => m.Request.Method == RequestMethod.Post && m.Request.Uri.Path.EndsWith("/$batch", StringComparison.Ordinal));
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
        // SDK's retry meets the rows it wrote, and the request finds its own receipt instead of judging a used code.
        app.Answers.LoseFirst(m => m.Request.Method == RequestMethod.Post && m.Request.Uri.Path.EndsWith("/$batch", StringComparison.Ordinal));
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
}
