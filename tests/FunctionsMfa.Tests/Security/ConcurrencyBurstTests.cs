using System.Net;
using System.Text.Json;
using FunctionsMfa.Tests.Infrastructure;
using FunctionsMfa.Tests.SignIns;
using FunctionsMfa.Tests.Sms;

namespace FunctionsMfa.Tests.Security;

/// <summary>The app on a real loopback socket with the recording SMS provider, for bursts.</summary>
public sealed class BurstAppFactory : PhoneAppFactory
{
}

/// <summary>
/// Every cap under requests released at one instant (<see cref="Burst"/>: one connection each, all held at their last
/// byte, then released together), counted from the outside: the answers and the audit trail, over several rounds.
/// </summary>
[Collection(SmsQueueCollection.Name)]
public sealed class ConcurrencyBurstTests(BurstAppFactory app) : IClassFixture<BurstAppFactory>, IAsyncLifetime
{
    private const string Attempt = "/v1/client/sign_ins/{0}/attempt_second_factor";

    public Task InitializeAsync() => app.ClearSmsQueueAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Phone_code_guesses_at_one_instant_judge_at_most_three_codes_and_never_succeed_after_the_third_failure()
    {
        var server = app.ServerAddress();
        for (var round = 0; round < 4; round++)
        {
            var (userId, number) = await app.UserWithSecondFactorPhoneAsync();
            var signIn = await app.StartSignInAsync(userId);
            var prepared = await app.ClientWithToken(signIn.ClientToken).PostJsonAsync(
                $"/v1/client/sign_ins/{signIn.Id}/prepare_second_factor", new { strategy = "phone_code" });
            Assert.Equal(HttpStatusCode.OK, prepared.StatusCode);
            var code = await app.NextCodeAsync(number);

            // 59 wrong guesses and the right code, somewhere in the middle, all at once.
            var guesses = Enumerable.Range(0, 60).Select(i => i == 17 + round ? code : WrongDigits(code, i)).ToList();
            var answers = await Burst.SendAsync(server, [.. guesses.Select(g =>
                new BurstRequest(string.Format(null, Attempt, signIn.Id), signIn.ClientToken, new { strategy = "phone_code", code = g }))]);

            AssertNoServerError(answers, round);
            var failures = (await app.EventsAsync(userId)).Count(e => Type(e) == "second_factor.failed" && SignInOf(e) == signIn.Id);
            var successes = answers.Count(a => a.Status == HttpStatusCode.OK);
            Assert.True(failures <= 3, $"round {round}: {failures} codes judged wrong, cap 3");
            Assert.True(successes <= 1, $"round {round}: {successes} successes");
            // A success is only possible inside the cap: at most 2 wrong tries were judged before it.
            Assert.True(successes == 0 || failures <= 2, $"round {round}: a success after {failures} failures");
            // Every judged code is answered as such, and no answer claims a judgement that was not committed.
            Assert.Equal(failures, answers.Count(a => a.ErrorCode is "form_code_incorrect" or "verification_failed" && IsJudged(a)));
            Assert.Equal(successes == 1 ? "complete" : "needs_second_factor", (await app.GetSignInAsync(signIn)).GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task Wrong_codes_at_one_instant_over_many_sign_ins_judge_at_most_ten_and_then_the_user_is_locked()
    {
        var server = app.ServerAddress();
        for (var round = 0; round < 3; round++)
        {
            var user = await app.EnrolAsync(Wire.NewUserId());
            var signIns = new List<StartedSignIn>();
            for (var i = 0; i < 60; i++)
            {
                signIns.Add(await app.StartSignInAsync(user.UserId));
            }

            var right = app.TotpCode(user.TotpSecret);
            var answers = await Burst.SendAsync(server, [.. signIns.Select((s, i) =>
                new BurstRequest(string.Format(null, Attempt, s.Id), s.ClientToken, new { strategy = "totp", code = WrongDigits(right, i) }))]);

            AssertNoServerError(answers, round);
            var events = await app.EventsAsync(user.UserId);
            var judged = events.Count(e => Type(e) == "second_factor.failed");
            Assert.Equal(10, judged);
            Assert.Single(events, e => Type(e) == "user.locked");
            // Nine wrong codes are told so; the tenth locks the user and is answered user_locked, as are the unjudged rest.
            Assert.Equal(9, answers.Count(a => a.ErrorCode == "form_code_incorrect"));
            Assert.All(answers, a => Assert.True(a.ErrorCode is "form_code_incorrect" or "user_locked", $"round {round}: {a.Status} {a.Body}"));

            // Locked: even the right code is not judged.
            var fresh = await app.StartSignInAsync(user.UserId);
            await (await app.AttemptAsync(fresh, "totp", right)).ErrorAsync(403, "user_locked");
            Assert.Equal(10, (await app.EventsAsync(user.UserId)).Count(e => Type(e) == "second_factor.failed"));
        }
    }

    [Fact]
    public async Task One_totp_code_at_one_instant_over_many_sign_ins_completes_exactly_one()
    {
        var server = app.ServerAddress();
        var user = await app.EnrolAsync(Wire.NewUserId());
        for (var round = 0; round < 5; round++)
        {
            // A new time step each round; the enrolment used the first.
            app.Time.Advance(TimeSpan.FromSeconds(30));
            var signIns = new List<StartedSignIn>();
            for (var i = 0; i < 8; i++)
            {
                signIns.Add(await app.StartSignInAsync(user.UserId));
            }

            var code = app.TotpCode(user.TotpSecret);
            var answers = await Burst.SendAsync(server, [.. signIns.Select(s =>
                new BurstRequest(string.Format(null, Attempt, s.Id), s.ClientToken, new { strategy = "totp", code }))]);

            AssertNoServerError(answers, round);
            Assert.True(answers.Count(a => a.Status == HttpStatusCode.OK) == 1, $"round {round}: {string.Join(", ", answers.Select(a => a.Status))}");
            // Each loser was judged against the used step: a replay, counted as a failure.
            Assert.All(answers.Where(a => a.Status != HttpStatusCode.OK), a => Assert.Equal("form_code_incorrect", a.ErrorCode));
        }
    }

    [Fact]
    public async Task One_backup_code_at_one_instant_on_one_sign_in_and_over_many_completes_exactly_one()
    {
        var server = app.ServerAddress();
        for (var round = 0; round < 4; round++)
        {
            var user = await app.EnrolAsync(Wire.NewUserId());
            var code = user.BackupCodes[round];
            var one = await app.StartSignInAsync(user.UserId);
            var many = new List<StartedSignIn>();
            for (var i = 0; i < 4; i++)
            {
                many.Add(await app.StartSignInAsync(user.UserId));
            }

            // Four copies on one sign-in and one on each of four others: eight at once.
            var targets = Enumerable.Repeat(one, 4).Concat(many).ToList();
            var answers = await Burst.SendAsync(server, [.. targets.Select(s =>
                new BurstRequest(string.Format(null, Attempt, s.Id), s.ClientToken, new { strategy = "backup_code", code }))]);

            AssertNoServerError(answers, round);
            Assert.True(answers.Count(a => a.Status == HttpStatusCode.OK) == 1, $"round {round}: {string.Join(", ", answers.Select(a => $"{a.Status} {a.ErrorCode}"))}");
            Assert.Equal(9, (await app.BackendUserAsync(user.UserId)).GetProperty("backup_codes_remaining").GetInt32());
            Assert.Single(await app.EventsAsync(user.UserId), e => Type(e) == "backup_code.used");
        }
    }


    private static void AssertNoServerError(IReadOnlyList<BurstResponse> answers, int round) =>
        Assert.All(answers, a => Assert.True((int)a.Status < 500, $"round {round}: {a.Status} {a.Body}"));

    /// <summary>A 6-digit code that is not <paramref name="right"/>, different for each <paramref name="i"/>.</summary>
    private static string WrongDigits(string right, int i)
    {
        var candidate = ((int.Parse(right, System.Globalization.CultureInfo.InvariantCulture) + 1 + (i * 7919)) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        return candidate == right ? WrongDigits(right, i + 1000) : candidate;
    }

    /// <summary>An answer that reports a judged code: it carries what was left of the budget after it.</summary>
    private static bool IsJudged(BurstResponse answer) =>
        answer.Body.TryGetProperty("errors", out var errors) && errors[0].TryGetProperty("meta", out var meta)
        && meta.ValueKind == JsonValueKind.Object && meta.TryGetProperty("attempts_remaining", out _);

    private static string? Type(JsonElement e) => e.GetProperty("type").GetString();

    private static string? SignInOf(JsonElement e) =>
        e.GetProperty("data").TryGetProperty("sign_in_id", out var id) ? id.GetString() : null;
}
