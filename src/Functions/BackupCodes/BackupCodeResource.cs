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
    /// Round trips: 1 (the session check's partition query, reused) + 1 (the replacing transaction, If-Match on the set
    /// as read) + 1 (audit insert). Of concurrent regenerations one wins; the others get <c>concurrent_request_conflict</c>
    /// (409) and no codes, so every set ever shown works until the next regeneration.
    /// </summary>
    internal static async Task<Results<Ok<BackupCodeResource>, ErrorResult>> CreateAsync(
        HttpContext context, SessionPrincipal session, StepUp stepUp, BackupCodeStore store, SecurityEventLog events,
        CancellationToken cancellationToken)
    {
        var (form, error) = await RequestForm.ReadAsync(context);
        if (form is null)
        {
            return error!.Result();
        }

        var user = session.User;
        if (!UserFactors.From(user).TwoFactorEnabled)
        {
            return MfaErrors.BackupCodesNotAvailable.Result();
        }

        if (stepUp.Check(session, userHasSecondFactor: true) is { } reverify)
        {
            return reverify.Result();
        }

        if (await store.TryReplaceAsync(user, cancellationToken) is not { } issued)
        {
            return MfaErrors.ConcurrentRequestConflict.Result();
        }

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
