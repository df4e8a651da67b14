using System.Net;
using FunctionsMfa.Functions.Totp;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Totp;

/// <summary>One code, many concurrent requests: the If-Match write on the last step lets exactly one through.</summary>
public sealed class TotpReplayRaceTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    private const int Requests = 24;
    private const int Rounds = 10;

    [Fact]
    public async Task Concurrent_enrolment_requests_with_one_code_verify_exactly_once()
    {
        for (var round = 0; round < Rounds; round++)
        {
            app.Time.Advance(TimeSpan.FromSeconds(30));
            var userId = Wire.NewUserId();
            var client = app.ClientWithToken(app.SessionToken(userId));
            var (secret, _) = await client.CreateTotpAsync();
            var code = app.CodeAt(secret);

            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var requests = Enumerable.Range(0, Requests).Select(_ => Task.Run(async () =>
            {
                await start.Task;
                var response = await client.VerifyTotpAsync(code);
                return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
            })).ToList();
            start.SetResult();
            var answers = await Task.WhenAll(requests);

            Assert.Single(answers, r => r.Item1 == 200);
            // A loser either lost the write (then the step is used: incorrect) or read the record after it (already enabled).
            Assert.All(answers.Where(r => r.Item1 != 200), r => Assert.True(
                (r.Item1 == 422 && r.Item2.Contains("\"form_code_incorrect\"", StringComparison.Ordinal)) ||
                (r.Item1 == 400 && r.Item2.Contains("\"totp_already_enabled\"", StringComparison.Ordinal)),
                $"Round {round}: unexpected {r.Item1} {r.Item2}"));
        }
    }

    [Fact]
    public async Task Concurrent_sign_in_checks_with_one_code_accept_exactly_once()
    {
        var userId = Wire.NewUserId();
        var secret = await app.EnrolAsync(userId);

        for (var round = 0; round < Rounds; round++)
        {
            // A fresh step each round: the previous round's step is used.
            app.Time.Advance(TimeSpan.FromSeconds(30));
            var code = app.CodeAt(secret);
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var checks = Enumerable.Range(0, Requests).Select(_ => Task.Run(async () =>
            {
                await start.Task;
                return await app.VerifyAndConsumeAsync(userId, code, default);
            })).ToList();
            start.SetResult();
            var results = await Task.WhenAll(checks);

            Assert.Equal(1, results.Count(r => r == TotpCheck.Accepted));
            Assert.Equal(Requests - 1, results.Count(r => r == TotpCheck.Incorrect));
            Assert.Equal(app.Time.GetUtcNow().ToUnixTimeSeconds() / 30, (await app.TotpEntityAsync(userId))!.GetInt64("LastStep"));
        }
    }

    [Fact]
    public async Task A_replayed_code_is_refused_after_it_was_accepted()
    {
        var userId = Wire.NewUserId();
        var secret = await app.EnrolAsync(userId);
        app.Time.Advance(TimeSpan.FromSeconds(30));
        var code = app.CodeAt(secret);

        Assert.Equal(TotpCheck.Accepted, await app.VerifyAndConsumeAsync(userId, code, default));
        var before = (await app.TotpEntityAsync(userId))!;
        // Still inside the window 30 s later, and still refused: the step is used.
        app.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(TotpCheck.Incorrect, await app.VerifyAndConsumeAsync(userId, code, default));
        Assert.Equal(before.ETag, (await app.TotpEntityAsync(userId))!.ETag);
        Assert.Equal(HttpStatusCode.OK, (await app.ClientWithToken(app.SessionToken(userId)).GetAsync("/v1/me")).StatusCode);
    }
}
