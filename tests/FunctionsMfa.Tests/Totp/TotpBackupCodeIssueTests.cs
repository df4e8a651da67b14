using System.Net;
using System.Text.Json;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Totp;

/// <summary>Verifying a first TOTP issues the user's first backup codes, once, through the real backup-code feature.</summary>
public sealed class TotpBackupCodeIssueTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    [Fact]
    public async Task Verification_returns_ten_fresh_backup_codes_that_work_at_sign_in()
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId));
        var (secret, created) = await client.CreateTotpAsync();
        Assert.Equal(JsonValueKind.Null, created.GetProperty("backup_codes").ValueKind);

        var verified = await (await client.VerifyTotpAsync(app.CodeAt(secret))).JsonAsync();
        var codes = verified.GetProperty("backup_codes").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.Equal(10, codes.Count);
        Assert.Equal(10, codes.Distinct(StringComparer.Ordinal).Count());
        Assert.All(codes, code => Assert.Matches("^[0-9a-z]{5}-[0-9a-z]{5}$", code.ToLowerInvariant()));

        var me = await (await client.GetAsync("/v1/me")).JsonAsync();
        Assert.True(me.GetProperty("backup_code_enabled").GetBoolean());
        Assert.Equal(10, me.GetProperty("backup_codes_remaining").GetInt32());

        var signIn = await (await app.BackendClient().PostJsonAsync("/v1/sign_ins", new { user_id = userId })).JsonAsync();
        var attempt = await app.ClientWithToken(signIn.GetProperty("client_token").GetString()!).PostJsonAsync(
            $"/v1/client/sign_ins/{signIn.GetProperty("id").GetString()}/attempt_second_factor", new { strategy = "backup_code", code = codes[3] });
        Assert.Equal(HttpStatusCode.OK, attempt.StatusCode);
        Assert.Equal("complete", (await attempt.JsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_failed_verification_issues_no_backup_codes()
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId));
        var (secret, _) = await client.CreateTotpAsync();
        await (await client.VerifyTotpAsync(app.CodeAt(secret, 3))).ErrorAsync(422, "form_code_incorrect");

        var me = await (await client.GetAsync("/v1/me")).JsonAsync();
        Assert.False(me.GetProperty("backup_code_enabled").GetBoolean());
        Assert.Equal(0, me.GetProperty("backup_codes_remaining").GetInt32());
    }
}
