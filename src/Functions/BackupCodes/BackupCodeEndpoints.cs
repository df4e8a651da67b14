using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.Functions.Users;
using FunctionsMfa.Functions.Wire;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FunctionsMfa.Functions.BackupCodes;

/// <summary>Clerk's <c>User.createBackupCode</c>.</summary>
internal static class BackupCodeEndpoints
{
    /// <summary>
    /// Round trips: 1 (partition query) + 1 (the replacing transaction) + 1 (audit insert); the store reads the partition
    /// again before it writes, so a set changed meanwhile is never overwritten blindly.
    /// </summary>
    internal static async Task<Results<Ok<BackupCodeResource>, ErrorResult>> CreateAsync(
        HttpContext context, SessionPrincipal session, UserStore users, StepUp stepUp, BackupCodeStore store, SecurityEventLog events,
        CancellationToken cancellationToken)
    {
        var (form, error) = await RequestForm.ReadAsync(context);
        if (form is null)
        {
            return error!.Result();
        }

        var user = await users.LoadAsync(session.UserId, cancellationToken);
        if (!UserFactors.From(user).TwoFactorEnabled)
        {
            return MfaErrors.BackupCodesNotAvailable.Result();
        }

        if (stepUp.Check(session, userHasSecondFactor: true) is { } reverify)
        {
            return reverify.Result();
        }

        var issued = await store.ReplaceAsync(session.UserId, cancellationToken);
        await events.RecordAsync(session.UserId, SecurityEventTypes.BackupCodesCreated,
            new Dictionary<string, string> { ["count"] = issued.Codes.Count.ToString(CultureInfo.InvariantCulture) }, cancellationToken);
        return TypedResults.Ok(BackupCodeResource.From(issued));
    }
}

/// <summary>Clerk's <c>backup_code</c>: the codes are in this response only.</summary>
internal sealed record BackupCodeResource(string Id, IReadOnlyList<string> Codes, long CreatedAt, long UpdatedAt)
{
    public string Object => "backup_code";

    public static BackupCodeResource From(IssuedBackupCodes issued)
    {
        ArgumentNullException.ThrowIfNull(issued);
        return new BackupCodeResource(issued.Id, issued.Codes, issued.CreatedAt.ToUnixTimeMilliseconds(), issued.UpdatedAt.ToUnixTimeMilliseconds());
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BackupCodeResource))]
internal sealed partial class BackupCodeJson : JsonSerializerContext;
