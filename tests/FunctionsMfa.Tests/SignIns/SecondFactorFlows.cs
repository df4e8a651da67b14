using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.SignIns;

/// <summary>A started sign-in: its id and the client token shown once.</summary>
public sealed record StartedSignIn(string Id, string ClientToken, JsonElement Body);

/// <summary>The steps the second-factor tests repeat, each through the real HTTP surface.</summary>
public static class SecondFactorFlows
{
    /// <summary>
    /// Marks the user's TOTP as enrolled by writing the <c>totp</c> row the TOTP feature writes (<c>Verified</c>), for
    /// tests whose subject is not TOTP itself: it only makes the user a two-factor user.
    /// </summary>
    public static async Task EnableTotpRowAsync(this MfaAppFactory app, string userId)
    {
        ArgumentNullException.ThrowIfNull(app);
        var table = new TableClient(app.StorageConnectionString, "mfausers");
        await table.CreateIfNotExistsAsync();
        await table.UpsertEntityAsync(new TableEntity(userId, "totp") { ["Verified"] = true });
    }

    /// <summary>A two-factor user with a fresh set of backup codes (through <c>POST /v1/me/backup_codes</c>).</summary>
    public static async Task<IReadOnlyList<string>> UserWithBackupCodesAsync(this MfaAppFactory app, string userId)
    {
        ArgumentNullException.ThrowIfNull(app);
        await app.EnableTotpRowAsync(userId);
        return await app.CreateBackupCodesAsync(userId);
    }

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
