using System.Net;
using System.Text.Json;
using FunctionsMfa.Tests.Infrastructure;
using FunctionsMfa.Tests.Sms;

namespace FunctionsMfa.Tests.PhoneNumbers;

/// <summary>
/// The File provider app with 5-minute phone codes: a sign-in lives 10 minutes, so only a code shorter-lived than its
/// sign-in shows its own expiry edge.
/// </summary>
public sealed class PhoneSignInAppFactory : FileSmsAppFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> values)
    {
        base.ConfigureSettings(values);
        values["Mfa:Sms:CodeLifetime"] = "00:05:00";
    }
}

/// <summary>The <c>phone_code</c> second factor at sign-in, end to end, with codes read from the File provider's file.</summary>
[Collection(SmsQueueCollection.Name)]
public sealed class PhoneCodeSignInTests(PhoneSignInAppFactory app) : IClassFixture<PhoneSignInAppFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => app.ClearSmsQueueAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Drains the queue and returns the newest code written to the file for <paramref name="number"/>.</summary>
    private async Task<string> CodeFromFileAsync(string number, int expectedLines)
    {
        await app.DrainAsync();
        var lines = app.LinesTo(number);
        Assert.Equal(expectedLines, lines.Count);
        return lines[^1].GetProperty("code").GetString()!;
    }

    /// <summary>A user with a verified 2FA phone number (added, verified by SMS, reserved), 30 s later.</summary>
    private async Task<(string UserId, string Number, string PhoneId)> EnrolledUserAsync()
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId, null));
        var number = TestNumbers.NewUs();
        var phoneId = (await client.AddAsync(number)).GetProperty("id").GetString()!;
        await client.PrepareAsync(phoneId);
        var code = await CodeFromFileAsync(number, 1);
        Assert.Equal(HttpStatusCode.OK, (await client.AttemptAsync(phoneId, code)).StatusCode);
        var reserved = await client.PatchAsync($"/v1/me/phone_numbers/{phoneId}", Wire.Json(new { reserved_for_second_factor = true }));
        Assert.Equal(HttpStatusCode.OK, reserved.StatusCode);
        app.Time.Advance(TimeSpan.FromSeconds(30));
        return (userId, number, phoneId);
    }

    private async Task<(string Id, HttpClient Client)> StartSignInAsync(string userId)
    {
        var created = await (await app.BackendClient().PostJsonAsync("/v1/sign_ins", new { user_id = userId })).JsonAsync();
        Assert.Equal("needs_second_factor", created.GetProperty("status").GetString());
        return (created.GetProperty("id").GetString()!, app.ClientWithToken(created.GetProperty("client_token").GetString()!));
    }

    private static Task<HttpResponseMessage> PrepareAsync(HttpClient client, string signInId, object? body = null) =>
        client.PostJsonAsync($"/v1/client/sign_ins/{signInId}/prepare_second_factor", body ?? new { strategy = "phone_code" });

    private static Task<HttpResponseMessage> AttemptAsync(HttpClient client, string signInId, string code) =>
        client.PostJsonAsync($"/v1/client/sign_ins/{signInId}/attempt_second_factor", new { strategy = "phone_code", code });

    [Fact]
    public async Task Add_a_phone_verify_it_then_sign_in_with_a_phone_code_to_complete()
    {
        var (userId, number, phoneId) = await EnrolledUserAsync();
        var (signInId, client) = await StartSignInAsync(userId);

        var prepared = await (await PrepareAsync(client, signInId, new { strategy = "phone_code", phone_number_id = phoneId })).JsonAsync();
        var verification = prepared.GetProperty("second_factor_verification");
        Assert.Equal("unverified", verification.GetProperty("status").GetString());
        Assert.Equal("phone_code", verification.GetProperty("strategy").GetString());
        Assert.Equal(0, verification.GetProperty("attempts").GetInt32());
        Assert.Equal(app.Time.GetUtcNow().AddMinutes(5).ToUnixTimeMilliseconds(), verification.GetProperty("expire_at").GetInt64());

        var code = await CodeFromFileAsync(number, 2);
        var completed = await (await AttemptAsync(client, signInId, code)).JsonAsync();
        Assert.Equal("complete", completed.GetProperty("status").GetString());
        Assert.Equal("verified", completed.GetProperty("second_factor_verification").GetProperty("status").GetString());
        Assert.StartsWith("sess_", completed.GetProperty("created_session_id").GetString());

        var session = completed.GetProperty("session_token").GetString()!;
        var payload = session.Split('.')[1].Replace('-', '+').Replace('_', '/');
        using var claims = JsonDocument.Parse(Convert.FromBase64String(payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=')));
        Assert.Equal("[\"pwd\",\"sms\"]", claims.RootElement.GetProperty("amr").GetRawText());
        var me = await (await app.ClientWithToken(session).GetAsync("/v1/me")).JsonAsync();
        Assert.Equal(userId, me.GetProperty("id").GetString());
        Assert.True(me.GetProperty("two_factor_enabled").GetBoolean());

        // Single use: the sign-in is complete and the code cannot be tried again.
        Assert.False((await AttemptAsync(client, signInId, code)).IsSuccessStatusCode);
    }

    [Fact]
    public async Task Three_wrong_phone_codes_end_the_verification_and_spend_the_failure_budget()
    {
        var (userId, number, _) = await EnrolledUserAsync();
        var (signInId, client) = await StartSignInAsync(userId);
        Assert.Equal(HttpStatusCode.OK, (await PrepareAsync(client, signInId)).StatusCode);
        var code = await CodeFromFileAsync(number, 2);
        var wrong = code == "000000" ? "111111" : "000000";

        var first = await (await AttemptAsync(client, signInId, wrong)).ErrorAsync(422, "form_code_incorrect");
        Assert.Equal(9, first.GetProperty("meta").GetProperty("attempts_remaining").GetInt32());
        await (await AttemptAsync(client, signInId, wrong)).ErrorAsync(422, "form_code_incorrect");
        var third = await (await AttemptAsync(client, signInId, wrong)).ErrorAsync(422, "verification_failed");
        Assert.Equal(7, third.GetProperty("meta").GetProperty("attempts_remaining").GetInt32());
        await (await AttemptAsync(client, signInId, code)).ErrorAsync(422, "verification_failed");

        var read = await (await client.GetAsync($"/v1/client/sign_ins/{signInId}")).JsonAsync();
        Assert.Equal("failed", read.GetProperty("second_factor_verification").GetProperty("status").GetString());
        Assert.Equal(3, read.GetProperty("second_factor_verification").GetProperty("attempts").GetInt32());

        // A new code does not buy more tries.
        app.Time.Advance(TimeSpan.FromSeconds(30));
        await (await PrepareAsync(client, signInId)).ErrorAsync(422, "verification_failed");
    }

    [Fact]
    public async Task A_phone_code_expires_at_the_exact_edge()
    {
        var (userId, number, _) = await EnrolledUserAsync();
        var (signInId, client) = await StartSignInAsync(userId);
        Assert.Equal(HttpStatusCode.OK, (await PrepareAsync(client, signInId)).StatusCode);
        var code = await CodeFromFileAsync(number, 2);
        app.Time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await AttemptAsync(client, signInId, code)).StatusCode);

        app.Time.Advance(TimeSpan.FromSeconds(30));
        var (secondId, second) = await StartSignInAsync(userId);
        Assert.Equal(HttpStatusCode.OK, (await PrepareAsync(second, secondId)).StatusCode);
        var secondCode = await CodeFromFileAsync(number, 3);
        app.Time.Advance(TimeSpan.FromMinutes(5));
        await (await AttemptAsync(second, secondId, secondCode)).ErrorAsync(422, "verification_expired");
        var read = await (await second.GetAsync($"/v1/client/sign_ins/{secondId}")).JsonAsync();
        Assert.Equal("expired", read.GetProperty("second_factor_verification").GetProperty("status").GetString());
        Assert.Equal("needs_second_factor", read.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Of_twenty_parallel_sign_in_attempts_with_one_phone_code_exactly_one_completes()
    {
        var (userId, number, _) = await EnrolledUserAsync();
        var (signInId, client) = await StartSignInAsync(userId);
        Assert.Equal(HttpStatusCode.OK, (await PrepareAsync(client, signInId)).StatusCode);
        var code = await CodeFromFileAsync(number, 2);

        using var start = new ManualResetEventSlim();
        var attempts = Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            return await AttemptAsync(client, signInId, code);
        })).ToList();
        start.Set();
        var responses = await Task.WhenAll(attempts);
        var tokens = new List<string>();
        foreach (var response in responses.Where(r => r.IsSuccessStatusCode))
        {
            var body = await response.JsonAsync();
            if (body.TryGetProperty("session_token", out var token))
            {
                tokens.Add(token.GetString()!);
            }
        }

        Assert.Single(tokens);
        Assert.Equal(1, responses.Count(r => r.IsSuccessStatusCode));
    }

    [Fact]
    public async Task Only_a_2fa_number_of_the_user_can_receive_the_sign_in_code()
    {
        var (userId, _, _) = await EnrolledUserAsync();
        var (signInId, client) = await StartSignInAsync(userId);
        await (await PrepareAsync(client, signInId, new { strategy = "phone_code", phone_number_id = "idn_aaaaaaaaaaaaaaaaaaaaaaaaaa" }))
            .ErrorAsync(422, "form_param_value_invalid");
        await (await AttemptAsync(client, signInId, "123456")).ErrorAsync(422, "verification_missing");
    }
}
