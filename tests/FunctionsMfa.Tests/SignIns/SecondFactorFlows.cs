using System.Net.Http.Json;
using System.Text.Json;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.SignIns;

/// <summary>A user enrolled in TOTP: the secret (to compute codes) and the backup codes issued on verification.</summary>
public sealed record EnrolledUser(string UserId, string TotpSecret, IReadOnlyList<string> BackupCodes);

/// <summary>A started sign-in: its id and the client token shown once.</summary>
public sealed record StartedSignIn(string Id, string ClientToken, JsonElement Body);

/// <summary>The steps the second-factor tests repeat, each through the real HTTP surface.</summary>
public static class SecondFactorFlows
{
    /// <summary>
    /// Enrols TOTP through the TOTP routes (<c>POST /v1/me/totp</c>, then <c>attempt_verification</c> with the current
    /// code from Otp.NET); the verification also returns the first set of backup codes, issued by the backup-code feature.
    /// </summary>
    public static async Task<EnrolledUser> EnrolAsync(this MfaAppFactory app, string userId)
    {
        ArgumentNullException.ThrowIfNull(app);
        var client = app.ClientWithToken(app.SessionToken(userId));
        var created = await client.PostAsync("/v1/me/totp", null);
        var totp = await created.JsonAsync();
        Assert.True(created.IsSuccessStatusCode, totp.ToString());
        var secret = totp.GetProperty("secret").GetString()!;

        var verified = await client.PostJsonAsync("/v1/me/totp/attempt_verification", new { code = app.TotpCode(secret) });
        var body = await verified.JsonAsync();
        Assert.True(verified.IsSuccessStatusCode, body.ToString());
        Assert.True(body.GetProperty("verified").GetBoolean());
        var codes = body.GetProperty("backup_codes").EnumerateArray().Select(c => c.GetString()!).ToList();
        return new EnrolledUser(userId, secret, codes);
    }

    /// <summary>The TOTP code (Otp.NET, RFC 6238 defaults) <paramref name="steps"/> steps from the app's fake now.</summary>
    public static string TotpCode(this MfaAppFactory app, string secret, int steps = 0)
    {
        ArgumentNullException.ThrowIfNull(app);
        var totp = new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(secret));
        return totp.ComputeTotp(app.Time.GetUtcNow().AddSeconds(30 * steps).UtcDateTime);
    }

    /// <summary>A two-factor user (TOTP) and the backup codes issued with it.</summary>
    public static async Task<IReadOnlyList<string>> UserWithBackupCodesAsync(this MfaAppFactory app, string userId) =>
        (await app.EnrolAsync(userId)).BackupCodes;

    public static async Task<IReadOnlyList<string>> CreateBackupCodesAsync(this MfaAppFactory app, string userId)
    {
        ArgumentNullException.ThrowIfNull(app);
        var response = await app.ClientWithToken(app.SessionToken(userId)).PostAsync("/v1/me/backup_codes", null);
        var body = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return [.. body.GetProperty("codes").EnumerateArray().Select(c => c.GetString()!)];
    }

    public static async Task<StartedSignIn> StartSignInAsync(this MfaAppFactory app, string userId) =>
        await StartSignInAsync(app.BackendClient(), userId);

    public static async Task<StartedSignIn> StartSignInAsync(HttpClient backend, string userId)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var response = await backend.PostJsonAsync("/v1/sign_ins", new { user_id = userId });
        var body = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        Assert.Equal("needs_second_factor", body.GetProperty("status").GetString());
        return new StartedSignIn(body.GetProperty("id").GetString()!, body.GetProperty("client_token").GetString()!, body);
    }

    public static Task<HttpResponseMessage> AttemptAsync(this MfaAppFactory app, StartedSignIn signIn, string strategy, string code)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(signIn);
        return AttemptAsync(app.ClientWithToken(signIn.ClientToken), signIn, strategy, code);
    }

    public static Task<HttpResponseMessage> AttemptAsync(HttpClient client, StartedSignIn signIn, string strategy, string code)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(signIn);
        return client.PostJsonAsync($"/v1/client/sign_ins/{signIn.Id}/attempt_second_factor", new { strategy, code });
    }

    public static async Task<JsonElement> GetSignInAsync(this MfaAppFactory app, StartedSignIn signIn)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(signIn);
        var response = await app.ClientWithToken(signIn.ClientToken).GetAsync($"/v1/client/sign_ins/{signIn.Id}");
        return await response.JsonAsync();
    }

    /// <summary>A backup code the user does not have, in the right format.</summary>
    public static string WrongBackupCode() => "22222-22222";

    public static async Task<JsonElement> BackendUserAsync(this MfaAppFactory app, string userId)
    {
        ArgumentNullException.ThrowIfNull(app);
        return await (await app.BackendClient().GetAsync($"/v1/users/{userId}")).JsonAsync();
    }

    public static async Task<IReadOnlyList<JsonElement>> EventsAsync(this MfaAppFactory app, string userId)
    {
        ArgumentNullException.ThrowIfNull(app);
        var body = await (await app.BackendClient().GetAsync($"/v1/users/{userId}/events?limit=100")).JsonAsync();
        return [.. body.GetProperty("data").EnumerateArray()];
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
