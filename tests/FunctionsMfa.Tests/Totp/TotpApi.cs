using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using FunctionsMfa.Functions.Totp;
using FunctionsMfa.Functions.Users;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Totp;

/// <summary>Calls of the TOTP routes and direct reads of what they stored.</summary>
internal static class TotpApi
{
    public const string VerifyPath = "/v1/me/totp/attempt_verification";

    public static async Task<(string Secret, JsonElement Body)> CreateTotpAsync(this HttpClient client)
    {
        var response = await client.PostAsync("/v1/me/totp", null);
        var body = await response.JsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return (body.GetProperty("secret").GetString()!, body);
    }

    public static Task<HttpResponseMessage> VerifyTotpAsync(this HttpClient client, string code) =>
        client.PostJsonAsync(VerifyPath, new { code });

    /// <summary>The code oathtool computes <paramref name="steps"/> steps from the app's (fake) now.</summary>
    public static string CodeAt(this MfaAppFactory app, string secret, int steps = 0) =>
        ExternalTools.OathTotp(secret, app.Time.GetUtcNow().AddSeconds(30 * steps));

    /// <summary>Creates and verifies a TOTP for <paramref name="userId"/> with the current step's code; returns the secret.</summary>
    public static async Task<string> EnrolAsync(this MfaAppFactory app, string userId)
    {
        var client = app.ClientWithToken(app.SessionToken(userId));
        var (secret, _) = await client.CreateTotpAsync();
        var response = await client.VerifyTotpAsync(app.CodeAt(secret));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return secret;
    }

    /// <summary>
    /// Judges a sign-in TOTP code with the service's own verifier against the stored row and commits its spend If-Match,
    /// judging again on a lost race, as the sign-in does (without its budget and session): replay and key rotation checks.
    /// </summary>
    public static async Task<TotpCheck> VerifyAndConsumeAsync(this MfaAppFactory app, string userId, string code, CancellationToken cancellationToken)
    {
        var users = app.Service<UserStore>();
        var verifier = app.Service<TotpVerifier>();
        for (var attempt = 0; attempt < 32; attempt++)
        {
            var user = await users.LoadAsync(userId, cancellationToken);
            if (!verifier.IsWellFormed(code))
            {
                return TotpCheck.FormatInvalid;
            }

            if (user.Row("totp") is not { } row || StoredTotp.FromEntity(row) is not { Record.Verified: true } stored)
            {
                return TotpCheck.NotEnabled;
            }

            var judgement = verifier.Judge(userId, stored, code);
            if (judgement.Check != TotpCheck.Accepted || await users.TryCommitAsync([judgement.Spend!], cancellationToken))
            {
                return judgement.Check;
            }
        }

        throw new InvalidOperationException("The TOTP row stayed contended.");
    }

    public static TableClient UsersTable(this MfaAppFactory app) => new(app.StorageConnectionString, "mfausers");

    public static async Task<TableEntity?> TotpEntityAsync(this MfaAppFactory app, string userId)
    {
        var response = await app.UsersTable().GetEntityIfExistsAsync<TableEntity>(userId, "totp");
        return response.HasValue ? response.Value : null;
    }

    /// <summary>Every row of the user's partition, by row key.</summary>
    public static async Task<Dictionary<string, TableEntity>> PartitionAsync(this MfaAppFactory app, string userId)
    {
        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        // The user's state: the audit trail's rows (row keys from "~") are not part of it.
        await foreach (var row in app.UsersTable().QueryAsync<TableEntity>(e => e.PartitionKey == userId && e.RowKey.CompareTo("~") < 0))
        {
            rows[row.RowKey] = row;
        }

        return rows;
    }

    /// <summary>A row's properties as comparable text (binary as base64), without the service-maintained Timestamp.</summary>
    public static Dictionary<string, string> Snapshot(TableEntity entity) =>
        entity.Keys.Where(k => k is not ("Timestamp" or "odata.etag"))
            .ToDictionary(k => k, k => entity[k] switch
            {
                byte[] bytes => Convert.ToBase64String(bytes),
                BinaryData data => Convert.ToBase64String(data.ToArray()),
                var value => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "null",
            }, StringComparer.Ordinal);
}
