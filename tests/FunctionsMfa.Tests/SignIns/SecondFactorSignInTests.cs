using System.Net;
using System.Text.Json;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.SignIns;

public sealed class SecondFactorSignInTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    [Fact]
    public async Task A_two_factor_user_gets_a_waiting_sign_in_with_its_supported_factors()
    {
        var userId = Wire.NewUserId();
        await app.UserWithBackupCodesAsync(userId);
        var signIn = await app.StartSignInAsync(userId);

        var body = signIn.Body;
        Assert.Equal(JsonValueKind.Null, body.GetProperty("created_session_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("second_factor_verification").ValueKind);
        Assert.False(body.TryGetProperty("session_token", out _));
        var strategies = body.GetProperty("supported_second_factors").EnumerateArray().Select(f => f.GetProperty("strategy").GetString()).ToList();
        Assert.Equal(["totp", "backup_code"], strategies);
        Assert.Equal(app.Time.GetUtcNow().AddMinutes(10).ToUnixTimeMilliseconds(), body.GetProperty("abandon_at").GetInt64());
    }

    [Fact]
    public async Task A_backup_code_completes_the_sign_in_with_a_session_token_that_works_and_passes_step_up()
    {
        var userId = Wire.NewUserId();
        var codes = await app.UserWithBackupCodesAsync(userId);
        var signIn = await app.StartSignInAsync(userId);
        app.Time.Advance(TimeSpan.FromMinutes(3));

        var response = await app.AttemptAsync(signIn, "backup_code", codes[0]);
        var body = await response.JsonAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("complete", body.GetProperty("status").GetString());
        var sessionId = body.GetProperty("created_session_id").GetString();
        Assert.StartsWith("sess_", sessionId);
        Assert.Equal("verified", body.GetProperty("second_factor_verification").GetProperty("status").GetString());
        Assert.Equal("backup_code", body.GetProperty("second_factor_verification").GetProperty("strategy").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("second_factor_verification").GetProperty("attempts").ValueKind);

        var token = body.GetProperty("session_token").GetString()!;
        var claims = JwtClaims(token);
        Assert.Equal(userId, claims.GetProperty("sub").GetString());
        Assert.Equal(sessionId, claims.GetProperty("sid").GetString());
        Assert.Equal(["pwd", "otp"], claims.GetProperty("amr").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal([3, 0], claims.GetProperty("fva").EnumerateArray().Select(e => e.GetInt32()).ToArray());

        var session = app.ClientWithToken(token);
        var me = await (await session.GetAsync("/v1/me")).JsonAsync();
        Assert.Equal(userId, me.GetProperty("id").GetString());
        Assert.Equal(9, me.GetProperty("backup_codes_remaining").GetInt32());

        // fva[1] = 0: a step-up action (a new set of backup codes) is allowed with this session.
        var stepUp = await session.PostAsync("/v1/me/backup_codes", null);
        Assert.Equal(HttpStatusCode.OK, stepUp.StatusCode);

        var read = await app.GetSignInAsync(signIn);
        Assert.Equal("complete", read.GetProperty("status").GetString());
        Assert.Equal(sessionId, read.GetProperty("created_session_id").GetString());
        Assert.False(read.TryGetProperty("session_token", out _));
    }

    [Fact]
    public async Task A_completed_sign_in_refuses_further_attempts_and_preparations()
    {
        var userId = Wire.NewUserId();
        var codes = await app.UserWithBackupCodesAsync(userId);
        var signIn = await app.StartSignInAsync(userId);
        Assert.Equal(HttpStatusCode.OK, (await app.AttemptAsync(signIn, "backup_code", codes[0])).StatusCode);

        await (await app.AttemptAsync(signIn, "backup_code", codes[1])).ErrorAsync(409, "sign_in_already_completed");
        await (await app.ClientWithToken(signIn.ClientToken).PostJsonAsync($"/v1/client/sign_ins/{signIn.Id}/prepare_second_factor", new { strategy = "backup_code" }))
            .ErrorAsync(409, "sign_in_already_completed");

        // The refused attempt did not spend the second code.
        var me = await (await app.ClientWithToken(app.SessionToken(userId)).GetAsync("/v1/me")).JsonAsync();
        Assert.Equal(9, me.GetProperty("backup_codes_remaining").GetInt32());
    }

    [Fact]
    public async Task Concurrent_right_codes_on_one_sign_in_complete_it_exactly_once()
    {
        for (var round = 0; round < 5; round++)
        {
            var userId = Wire.NewUserId();
            var codes = await app.UserWithBackupCodesAsync(userId);
            var signIn = await app.StartSignInAsync(userId);

            var responses = await Task.WhenAll(codes.Take(6).Select(code => app.AttemptAsync(signIn, "backup_code", code)));

            var winners = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
            Assert.Single(winners);
            foreach (var loser in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
            {
                await loser.ErrorAsync(409, "sign_in_already_completed");
            }

            var sessionId = (await winners[0].JsonAsync()).GetProperty("created_session_id").GetString();
            Assert.Equal(sessionId, (await app.GetSignInAsync(signIn)).GetProperty("created_session_id").GetString());
        }
    }

    [Fact]
    public async Task A_sign_in_accepts_attempts_until_one_second_before_abandon_at_and_expires_at_abandon_at()
    {
        var userId = Wire.NewUserId();
        var codes = await app.UserWithBackupCodesAsync(userId);
        var early = await app.StartSignInAsync(userId);
        var late = await app.StartSignInAsync(userId);

        app.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.Equal("needs_second_factor", (await app.GetSignInAsync(late)).GetProperty("status").GetString());
        var ok = await app.AttemptAsync(early, "backup_code", codes[0]);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        app.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("abandoned", (await app.GetSignInAsync(late)).GetProperty("status").GetString());
        await (await app.AttemptAsync(late, "backup_code", codes[1])).ErrorAsync(410, "sign_in_expired");
        await (await app.ClientWithToken(late.ClientToken).PostJsonAsync($"/v1/client/sign_ins/{late.Id}/prepare_second_factor", new { strategy = "backup_code" }))
            .ErrorAsync(410, "sign_in_expired");

        // The refusal was recorded: the stored sign-in is abandoned too (read by the backend), and the code is unspent.
        var backend = await (await app.BackendClient().GetAsync($"/v1/sign_ins/{late.Id}")).JsonAsync();
        Assert.Equal("abandoned", backend.GetProperty("status").GetString());
        Assert.Equal(0, backend.GetProperty("supported_second_factors").GetArrayLength());
        var user = await app.BackendUserAsync(userId);
        Assert.Equal(9, user.GetProperty("backup_codes_remaining").GetInt32());
        Assert.Equal(10, user.GetProperty("verification_attempts_remaining").GetInt32());
    }

    [Fact]
    public async Task An_unknown_sign_in_and_a_wrong_client_token_look_the_same_on_every_route()
    {
        var userId = Wire.NewUserId();
        var codes = await app.UserWithBackupCodesAsync(userId);
        var signIn = await app.StartSignInAsync(userId);
        var stranger = Wire.NewUserId();
        await app.UserWithBackupCodesAsync(stranger);
        var other = await app.StartSignInAsync(stranger);
        var unknownId = "sia_" + new string('b', 26);

        foreach (var route in new[] { "attempt_second_factor", "prepare_second_factor" })
        {
            var body = new { strategy = "backup_code", code = codes[0] };
            object prepareBody = new { strategy = "backup_code" };
            var payload = route == "attempt_second_factor" ? body : prepareBody;
            var wrongToken = await app.ClientWithToken("ct_" + new string('a', 52)).PostJsonAsync($"/v1/client/sign_ins/{signIn.Id}/{route}", payload);
            var othersToken = await app.ClientWithToken(other.ClientToken).PostJsonAsync($"/v1/client/sign_ins/{signIn.Id}/{route}", payload);
            var unknown = await app.ClientWithToken(signIn.ClientToken).PostJsonAsync($"/v1/client/sign_ins/{unknownId}/{route}", payload);
            var noToken = await app.CreateClient().PostAsync($"/v1/client/sign_ins/{signIn.Id}/{route}", Wire.Json(payload));
            var a = await wrongToken.ErrorAsync(404, "resource_not_found");
            var b = await othersToken.ErrorAsync(404, "resource_not_found");
            var c = await unknown.ErrorAsync(404, "resource_not_found");
            var d = await noToken.ErrorAsync(404, "resource_not_found");
            Assert.Equal(a.ToString(), b.ToString());
            Assert.Equal(a.ToString(), c.ToString());
            Assert.Equal(a.ToString(), d.ToString());
        }

        // None of those touched the sign-in, the codes or the budget.
        Assert.Equal(HttpStatusCode.OK, (await app.AttemptAsync(signIn, "backup_code", codes[0])).StatusCode);
        Assert.Equal(10, (await app.BackendUserAsync(userId)).GetProperty("verification_attempts_remaining").GetInt32());
    }

    [Theory]
    [InlineData("totp")]
    [InlineData("backup_code")]
    public async Task Preparing_totp_or_backup_code_answers_the_sign_in_unchanged(string strategy)
    {
        var userId = Wire.NewUserId();
        await app.UserWithBackupCodesAsync(userId);
        var signIn = await app.StartSignInAsync(userId);

        var response = await app.ClientWithToken(signIn.ClientToken).PostJsonAsync($"/v1/client/sign_ins/{signIn.Id}/prepare_second_factor", new { strategy });
        var body = await response.JsonAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("needs_second_factor", body.GetProperty("status").GetString());
        Assert.Equal(signIn.Id, body.GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("second_factor_verification").ValueKind);
    }

    [Fact]
    public async Task Prepare_accepts_a_form_body_as_Clerk_clients_send_it()
    {
        var userId = Wire.NewUserId();
        await app.UserWithBackupCodesAsync(userId);
        var signIn = await app.StartSignInAsync(userId);
        var response = await app.ClientWithToken(signIn.ClientToken).PostAsync(
            $"/v1/client/sign_ins/{signIn.Id}/prepare_second_factor", Wire.Form(("strategy", "backup_code")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_strategy_that_is_not_available_or_does_not_exist_is_refused_without_spending_the_budget()
    {
        var userId = Wire.NewUserId();
        await app.EnrolAsync(userId);
        var signIn = await app.StartSignInAsync(userId);
        var client = app.ClientWithToken(signIn.ClientToken);

        await (await client.PostJsonAsync($"/v1/client/sign_ins/{signIn.Id}/prepare_second_factor", new { strategy = "phone_code" }))
            .ErrorAsync(422, "strategy_for_user_invalid");
        var phone = await (await client.PostAsync($"/v1/client/sign_ins/{signIn.Id}/prepare_second_factor", Wire.Form(("strategy", "phone_code"), ("phone_number_id", "idn_" + new string('a', 26)))))
            .ErrorAsync(422, "strategy_for_user_invalid");
        Assert.Equal("strategy", phone.GetProperty("meta").GetProperty("param_name").GetString());
        await (await client.PostJsonAsync($"/v1/client/sign_ins/{signIn.Id}/prepare_second_factor", new { strategy = "totp", bogus = 1 }))
            .ErrorAsync(422, "form_param_unknown");
        await (await app.AttemptAsync(signIn, "phone_code", "123456")).ErrorAsync(422, "strategy_for_user_invalid");
        await (await app.AttemptAsync(signIn, "password", "x")).ErrorAsync(422, "strategy_for_user_invalid");
        Assert.Equal(10, (await app.BackendUserAsync(userId)).GetProperty("verification_attempts_remaining").GetInt32());
    }

    [Fact]
    public async Task Missing_unknown_or_malformed_parameters_are_refused_without_spending_the_budget()
    {
        var userId = Wire.NewUserId();
        await app.UserWithBackupCodesAsync(userId);
        var signIn = await app.StartSignInAsync(userId);
        var client = app.ClientWithToken(signIn.ClientToken);
        var url = $"/v1/client/sign_ins/{signIn.Id}/attempt_second_factor";

        var missingCode = await (await client.PostJsonAsync(url, new { strategy = "backup_code" })).ErrorAsync(422, "form_param_missing");
        Assert.Equal("code", missingCode.GetProperty("meta").GetProperty("param_name").GetString());
        var missingStrategy = await (await client.PostJsonAsync(url, new { code = "abcde-fghjk" })).ErrorAsync(422, "form_param_missing");
        Assert.Equal("strategy", missingStrategy.GetProperty("meta").GetProperty("param_name").GetString());
        await (await client.PostJsonAsync(url, new { strategy = "backup_code", code = "abcde-fghjk", extra = 1 })).ErrorAsync(422, "form_param_unknown");
        await (await app.AttemptAsync(signIn, "backup_code", "too-short")).ErrorAsync(422, "form_param_format_invalid");
        await (await app.AttemptAsync(signIn, "backup_code", "00000-00000")).ErrorAsync(422, "form_param_format_invalid");
        Assert.Equal(10, (await app.BackendUserAsync(userId)).GetProperty("verification_attempts_remaining").GetInt32());
    }

    [Fact]
    public async Task A_totp_code_completes_the_sign_in_with_a_working_session_and_cannot_be_replayed()
    {
        var user = await app.EnrolAsync(Wire.NewUserId());
        app.Time.Advance(TimeSpan.FromSeconds(30)); // the enrolment code's step is used up
        var signIn = await app.StartSignInAsync(user.UserId);
        var code = app.TotpCode(user.TotpSecret);

        var response = await app.AttemptAsync(signIn, "totp", code);
        var body = await response.JsonAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("complete", body.GetProperty("status").GetString());
        Assert.Equal("totp", body.GetProperty("second_factor_verification").GetProperty("strategy").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("second_factor_verification").GetProperty("expire_at").ValueKind);
        var token = body.GetProperty("session_token").GetString()!;
        var claims = JwtClaims(token);
        Assert.Equal(["pwd", "otp"], claims.GetProperty("amr").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal([0, 0], claims.GetProperty("fva").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        var session = app.ClientWithToken(token);
        Assert.True((await (await session.GetAsync("/v1/me")).JsonAsync()).GetProperty("totp_enabled").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await session.PostAsync("/v1/me/backup_codes", null)).StatusCode);

        // The same code again, on another sign-in: a replay, refused and counted.
        var second = await app.StartSignInAsync(user.UserId);
        var replay = await (await app.AttemptAsync(second, "totp", code)).ErrorAsync(422, "form_code_incorrect");
        Assert.Equal(9, replay.GetProperty("meta").GetProperty("attempts_remaining").GetInt32());

        app.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, (await app.AttemptAsync(second, "totp", app.TotpCode(user.TotpSecret))).StatusCode);
    }

    [Fact]
    public async Task Of_ten_concurrent_sign_ins_with_one_totp_code_exactly_one_completes()
    {
        var user = await app.EnrolAsync(Wire.NewUserId());
        app.Time.Advance(TimeSpan.FromSeconds(30));
        var signIns = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => app.StartSignInAsync(user.UserId)));
        var code = app.TotpCode(user.TotpSecret);

        var responses = await Task.WhenAll(signIns.Select(s => app.AttemptAsync(s, "totp", code)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(422, (int)r.StatusCode));
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12 345")]
    [InlineData("１２３４５６")]
    [InlineData("+12345")]
    public async Task A_malformed_totp_code_is_refused_without_spending_the_budget(string code)
    {
        var user = await app.EnrolAsync(Wire.NewUserId());
        var signIn = await app.StartSignInAsync(user.UserId);
        await (await app.AttemptAsync(signIn, "totp", code)).ErrorAsync(422, "form_param_format_invalid");
        Assert.Equal(10, (await app.BackendUserAsync(user.UserId)).GetProperty("verification_attempts_remaining").GetInt32());
    }

    [Fact]
    public async Task A_totp_code_outside_the_window_is_incorrect_and_counted()
    {
        var user = await app.EnrolAsync(Wire.NewUserId());
        var signIn = await app.StartSignInAsync(user.UserId);
        var error = await (await app.AttemptAsync(signIn, "totp", app.TotpCode(user.TotpSecret, steps: 5))).ErrorAsync(422, "form_code_incorrect");
        Assert.Equal(9, error.GetProperty("meta").GetProperty("attempts_remaining").GetInt32());
        Assert.Equal("needs_second_factor", (await app.GetSignInAsync(signIn)).GetProperty("status").GetString());
    }

    private static JsonElement JwtClaims(string jwt)
    {
        var payload = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - payload.Length % 4) % 4), '=');
        return JsonDocument.Parse(Convert.FromBase64String(payload)).RootElement.Clone();
    }
}
