using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using FunctionsMfa.Tests.Infrastructure;
using FunctionsMfa.Tests.SignIns;

namespace FunctionsMfa.Tests.Security;

public sealed class LockoutTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    [Fact]
    public async Task Ten_consecutive_failures_across_sign_ins_lock_the_user_and_every_error_says_what_is_left()
    {
        var user = await app.EnrolAsync(Wire.NewUserId());
        var userId = user.UserId;
        var signIns = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => app.StartSignInAsync(userId)));
        var wrongTotp = app.TotpCode(user.TotpSecret, steps: 5);

        for (var failure = 1; failure <= 9; failure++)
        {
            var signIn = signIns[failure % 3];
            var response = failure % 2 == 0
                ? await app.AttemptAsync(signIn, "backup_code", SecondFactorFlows.WrongBackupCode())
                : await app.AttemptAsync(signIn, "totp", wrongTotp);
            var error = await response.ErrorAsync(422, "form_code_incorrect");
            Assert.Equal(10 - failure, error.GetProperty("meta").GetProperty("attempts_remaining").GetInt32());
            Assert.Equal("code", error.GetProperty("meta").GetProperty("param_name").GetString());
        }

        Assert.False((await app.BackendUserAsync(userId)).GetProperty("locked").GetBoolean());
        var tenth = await (await app.AttemptAsync(signIns[1], "totp", wrongTotp)).ErrorAsync(403, "user_locked");
        Assert.Equal(3600, tenth.GetProperty("meta").GetProperty("lockout_expires_in_seconds").GetInt32());
        Assert.Equal(0, tenth.GetProperty("meta").GetProperty("attempts_remaining").GetInt32());
        Assert.Equal("abandoned", (await app.GetSignInAsync(signIns[1])).GetProperty("status").GetString());

        var summary = await app.BackendUserAsync(userId);
        Assert.True(summary.GetProperty("locked").GetBoolean());
        Assert.Equal(3600, summary.GetProperty("lockout_expires_in_seconds").GetInt32());
        Assert.Equal(0, summary.GetProperty("verification_attempts_remaining").GetInt32());
        await AssertStateRowAsync(userId, failures: 10);
        var failed = (await app.EventsAsync(userId)).Where(e => e.GetProperty("type").GetString() == "second_factor.failed")
            .Select(e => e.GetProperty("data").GetProperty("strategy").GetString()).ToList();
        Assert.Equal(6, failed.Count(s => s == "totp"));
        Assert.Equal(4, failed.Count(s => s == "backup_code"));
    }

    [Fact]
    public async Task While_locked_even_a_correct_code_is_refused_unevaluated_and_its_sign_in_is_abandoned()
    {
        var userId = Wire.NewUserId();
        var codes = await app.UserWithBackupCodesAsync(userId);
        var waiting = await app.StartSignInAsync(userId);
        await LockAsync(userId);
        app.Time.Advance(TimeSpan.FromMinutes(5));

        var refused = await (await app.AttemptAsync(waiting, "backup_code", codes[0])).ErrorAsync(403, "user_locked");
        Assert.Equal(3300, refused.GetProperty("meta").GetProperty("lockout_expires_in_seconds").GetInt32());
        Assert.Equal("abandoned", (await app.GetSignInAsync(waiting)).GetProperty("status").GetString());
        await (await app.AttemptAsync(waiting, "backup_code", codes[0])).ErrorAsync(410, "sign_in_abandoned");

        // Not consumed, not counted.
        Assert.Equal(10, (await app.BackendUserAsync(userId)).GetProperty("backup_codes_remaining").GetInt32());
        await AssertStateRowAsync(userId, failures: 10);

        var fresh = await app.StartSignInAsync(userId);
        await (await app.ClientWithToken(fresh.ClientToken).PostJsonAsync($"/v1/client/sign_ins/{fresh.Id}/prepare_second_factor", new { strategy = "backup_code" }))
            .ErrorAsync(403, "user_locked");
    }

    [Fact]
    public async Task The_lock_ends_after_exactly_one_hour_with_a_fresh_budget()
    {
        var userId = Wire.NewUserId();
        var codes = await app.UserWithBackupCodesAsync(userId);
        await LockAsync(userId);

        app.Time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1));
        var stillLocked = await (await app.AttemptAsync(await app.StartSignInAsync(userId), "backup_code", codes[0])).ErrorAsync(403, "user_locked");
        Assert.Equal(1, stillLocked.GetProperty("meta").GetProperty("lockout_expires_in_seconds").GetInt32());

        app.Time.Advance(TimeSpan.FromSeconds(1));
        var wrong = await (await app.AttemptAsync(await app.StartSignInAsync(userId), "backup_code", SecondFactorFlows.WrongBackupCode())).ErrorAsync(422, "form_code_incorrect");
        Assert.Equal(9, wrong.GetProperty("meta").GetProperty("attempts_remaining").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await app.AttemptAsync(await app.StartSignInAsync(userId), "backup_code", codes[0])).StatusCode);
    }

    [Fact]
    public async Task A_success_resets_the_failure_count()
    {
        var userId = Wire.NewUserId();
        var codes = await app.UserWithBackupCodesAsync(userId);
        for (var i = 0; i < 9; i++)
        {
            await (await app.AttemptAsync(await app.StartSignInAsync(userId), "backup_code", SecondFactorFlows.WrongBackupCode())).ErrorAsync(422, "form_code_incorrect");
        }

        Assert.Equal(HttpStatusCode.OK, (await app.AttemptAsync(await app.StartSignInAsync(userId), "backup_code", codes[0])).StatusCode);
        await AssertStateRowAsync(userId, failures: 0);

        var signIn = await app.StartSignInAsync(userId);
        for (var i = 0; i < 9; i++)
        {
            var error = await (await app.AttemptAsync(signIn, "backup_code", SecondFactorFlows.WrongBackupCode())).ErrorAsync(422, "form_code_incorrect");
            Assert.Equal(9 - i, error.GetProperty("meta").GetProperty("attempts_remaining").GetInt32());
        }

        Assert.Equal(HttpStatusCode.OK, (await app.AttemptAsync(signIn, "backup_code", codes[1])).StatusCode);
    }

    [Fact]
    public async Task Ten_concurrent_wrong_attempts_are_all_counted_and_lock_the_user()
    {
        for (var round = 0; round < 3; round++)
        {
            var userId = Wire.NewUserId();
            var codes = await app.UserWithBackupCodesAsync(userId);
            var signIns = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => app.StartSignInAsync(userId)));

            var responses = await Task.WhenAll(signIns.Select(s => app.AttemptAsync(s, "backup_code", SecondFactorFlows.WrongBackupCode())));

            var bodies = await Task.WhenAll(responses.Select(r => r.JsonAsync()));
            var remaining = bodies.Select(b => b.GetProperty("errors")[0].GetProperty("meta").GetProperty("attempts_remaining").GetInt32()).Order().ToList();
            Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], remaining);
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Forbidden);
            await AssertStateRowAsync(userId, failures: 10);
            await (await app.AttemptAsync(await app.StartSignInAsync(userId), "backup_code", codes[0])).ErrorAsync(403, "user_locked");
        }
    }

    [Fact]
    public async Task The_backend_unlock_lifts_the_lock_and_is_recorded()
    {
        var enrolled = await app.EnrolAsync(Wire.NewUserId());
        var userId = enrolled.UserId;
        var codes = enrolled.BackupCodes;
        await LockAsync(userId);
        app.Time.Advance(TimeSpan.FromSeconds(30));
        var totpCode = app.TotpCode(enrolled.TotpSecret);
        var refusedSignIn = await app.StartSignInAsync(userId);
        await (await app.AttemptAsync(refusedSignIn, "totp", totpCode)).ErrorAsync(403, "user_locked");

        var response = await app.BackendClient().PostAsync($"/v1/users/{userId}/unlock", null);
        var user = await response.JsonAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(user.GetProperty("locked").GetBoolean());
        Assert.Equal(JsonValueKind.Null, user.GetProperty("lockout_expires_in_seconds").ValueKind);
        Assert.Equal(10, user.GetProperty("verification_attempts_remaining").GetInt32());

        // The TOTP code refused while locked was never evaluated, so its step is still unused and it works now.
        Assert.Equal(HttpStatusCode.OK, (await app.AttemptAsync(await app.StartSignInAsync(userId), "totp", totpCode)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.AttemptAsync(await app.StartSignInAsync(userId), "backup_code", codes[0])).StatusCode);
        var unlocked = (await app.EventsAsync(userId)).Single(e => e.GetProperty("type").GetString() == "user.unlocked");
        Assert.Equal("true", unlocked.GetProperty("data").GetProperty("was_locked").GetString());
    }

    [Fact]
    public async Task The_support_reset_removes_every_factor_keeps_the_audit_trail_and_the_next_sign_in_needs_none()
    {
        var userId = Wire.NewUserId();
        await app.UserWithBackupCodesAsync(userId);
        await (await app.AttemptAsync(await app.StartSignInAsync(userId), "backup_code", SecondFactorFlows.WrongBackupCode())).ErrorAsync(422, "form_code_incorrect");

        var response = await app.BackendClient().DeleteAsync($"/v1/users/{userId}/mfa");
        var body = await response.JsonAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(userId, body.GetProperty("user_id").GetString());

        var user = await app.BackendUserAsync(userId);
        Assert.False(user.GetProperty("two_factor_enabled").GetBoolean());
        Assert.False(user.GetProperty("totp_enabled").GetBoolean());
        Assert.Equal(0, user.GetProperty("backup_codes_remaining").GetInt32());
        Assert.Equal(10, user.GetProperty("verification_attempts_remaining").GetInt32());
        var table = new TableClient(app.StorageConnectionString, "mfausers");
        // Nothing left of the user but the audit trail (row keys from "~", see UserRows.EventPrefix).
        Assert.Empty(await table.QueryAsync<TableEntity>(e => e.PartitionKey == userId && e.RowKey.CompareTo("~") < 0).ToListAsync());

        var types = (await app.EventsAsync(userId)).Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Contains("mfa.reset", types);
        Assert.Contains("totp.verified", types);
        Assert.Contains("second_factor.failed", types);
        var reset = (await app.EventsAsync(userId)).Single(e => e.GetProperty("type").GetString() == "mfa.reset");
        Assert.Equal("true", reset.GetProperty("data").GetProperty("totp").GetString());
        Assert.Equal("10", reset.GetProperty("data").GetProperty("backup_codes").GetString());

        var signIn = await (await app.BackendClient().PostJsonAsync("/v1/sign_ins", new { user_id = userId })).JsonAsync();
        Assert.Equal("complete", signIn.GetProperty("status").GetString());

        // The tunnelled verb reaches the same route, as Clerk clients send it.
        Assert.Equal(HttpStatusCode.OK, (await app.BackendClient().PostAsync($"/v1/users/{userId}/mfa?_method=DELETE", null)).StatusCode);
    }

    [Fact]
    public async Task The_audit_trail_records_each_security_event_without_any_code()
    {
        var userId = Wire.NewUserId();
        await app.EnrolAsync(userId);
        var codes = await app.CreateBackupCodesAsync(userId);
        var signIn = await app.StartSignInAsync(userId);
        await (await app.AttemptAsync(signIn, "backup_code", SecondFactorFlows.WrongBackupCode())).ErrorAsync(422, "form_code_incorrect");
        Assert.Equal(HttpStatusCode.OK, (await app.AttemptAsync(signIn, "backup_code", codes[0])).StatusCode);
        await LockAsync(userId);
        await app.BackendClient().PostAsync($"/v1/users/{userId}/unlock", null);
        await app.BackendClient().DeleteAsync($"/v1/users/{userId}/mfa");

        var events = await app.EventsAsync(userId);
        // The TOTP feature's own events (totp.*) are its tests' subject.
        var types = events.Select(e => e.GetProperty("type").GetString()!).Where(t => !t.StartsWith("totp.", StringComparison.Ordinal)).ToList();
        foreach (var expected in new[] { "backup_codes.created", "second_factor.failed", "backup_code.used", "second_factor.succeeded", "user.locked", "user.unlocked", "mfa.reset" })
        {
            Assert.Contains(expected, types);
        }

        Assert.Equal(11, types.Count(t => t == "second_factor.failed"));
        Assert.Equal(17, types.Count);
        Assert.Single(types, t => t == "user.locked");
        var used = events.Single(e => e.GetProperty("type").GetString() == "backup_code.used");
        Assert.Equal("9", used.GetProperty("data").GetProperty("remaining").GetString());
        Assert.Equal(signIn.Id, used.GetProperty("data").GetProperty("sign_in_id").GetString());
        var failed = events.First(e => e.GetProperty("type").GetString() == "second_factor.failed");
        Assert.Equal("backup_code", failed.GetProperty("data").GetProperty("strategy").GetString());
        Assert.All(events, e =>
        {
            Assert.Equal("security_event", e.GetProperty("object").GetString());
            Assert.Equal(app.Time.GetUtcNow().ToUnixTimeMilliseconds(), e.GetProperty("created_at").GetInt64());
            foreach (var code in codes)
            {
                Assert.DoesNotContain(code, e.ToString(), StringComparison.OrdinalIgnoreCase);
            }
        });

        var limited = await (await app.BackendClient().GetAsync($"/v1/users/{userId}/events?limit=2")).JsonAsync();
        Assert.Equal(2, limited.GetProperty("data").GetArrayLength());
        await (await app.BackendClient().GetAsync($"/v1/users/{userId}/events?limit=0")).ErrorAsync(422, "form_param_value_invalid");
    }

    [Fact]
    public async Task The_backend_user_routes_need_the_secret_key()
    {
        var userId = Wire.NewUserId();
        var session = app.ClientWithToken(app.SessionToken(userId));
        await (await app.CreateClient().GetAsync($"/v1/users/{userId}")).ErrorAsync(401, "authentication_invalid");
        await (await session.GetAsync($"/v1/users/{userId}/events")).ErrorAsync(401, "authentication_invalid");
        await (await session.PostAsync($"/v1/users/{userId}/unlock", null)).ErrorAsync(401, "authentication_invalid");
        await (await session.DeleteAsync($"/v1/users/{userId}/mfa")).ErrorAsync(401, "authentication_invalid");
    }

    [Fact]
    public async Task A_wrong_client_token_learns_nothing_about_a_locked_user()
    {
        var userId = Wire.NewUserId();
        await app.UserWithBackupCodesAsync(userId);
        var signIn = await app.StartSignInAsync(userId);
        await LockAsync(userId);

        var stranger = app.ClientWithToken("ct_" + new string('a', 52));
        var attempt = await SecondFactorFlows.AttemptAsync(stranger, signIn, "backup_code", SecondFactorFlows.WrongBackupCode());
        var read = await stranger.GetAsync($"/v1/client/sign_ins/{signIn.Id}");
        var unknown = await SecondFactorFlows.AttemptAsync(stranger, signIn with { Id = "sia_" + new string('c', 26) }, "backup_code", SecondFactorFlows.WrongBackupCode());
        Assert.Equal((await attempt.ErrorAsync(404, "resource_not_found")).ToString(), (await unknown.ErrorAsync(404, "resource_not_found")).ToString());
        await read.ErrorAsync(404, "resource_not_found");
        await AssertStateRowAsync(userId, failures: 10);
    }

    /// <summary>Ten wrong backup codes on one new sign-in.</summary>
    private async Task LockAsync(string userId)
    {
        var signIn = await app.StartSignInAsync(userId);
        for (var i = 0; i < 9; i++)
        {
            await (await app.AttemptAsync(signIn, "backup_code", SecondFactorFlows.WrongBackupCode())).ErrorAsync(422, "form_code_incorrect");
        }

        await (await app.AttemptAsync(signIn, "backup_code", SecondFactorFlows.WrongBackupCode())).ErrorAsync(403, "user_locked");
    }

    private async Task AssertStateRowAsync(string userId, int failures)
    {
        var table = new TableClient(app.StorageConnectionString, "mfausers");
        var state = await table.GetEntityIfExistsAsync<TableEntity>(userId, "state");
        Assert.Equal(failures, state.HasValue ? state.Value!.GetInt32("Failures") : 0);
    }
}
