using System.Text.Json;
using System.Text.Json.Serialization;
using FunctionsMfa.Domain.SignIns;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.Security;

/// <summary>The backend's <c>user</c>: the MFA summary plus Clerk's lockout fields.</summary>
internal sealed record BackendUserResource(
    string Id, bool TwoFactorEnabled, bool TotpEnabled, bool BackupCodeEnabled, int BackupCodesRemaining,
    IReadOnlyList<PhoneNumberSummary> PhoneNumbers, bool Locked, int? LockoutExpiresInSeconds, int VerificationAttemptsRemaining)
{
    public string Object => "user";

    public static BackendUserResource From(UserSnapshot user, FailureBudgetPolicy policy, DateTimeOffset now) =>
        From(user, FailureBudgetStore.Read(user), policy, now);

    /// <summary>The summary of <paramref name="user"/>'s factors with <paramref name="budget"/> (e.g. the one just written).</summary>
    public static BackendUserResource From(UserSnapshot user, FailureBudget budget, FailureBudgetPolicy policy, DateTimeOffset now)
    {
        var summary = UserResource.From(user);
        var locked = budget.IsLocked(now);
        return new BackendUserResource(
            summary.Id, summary.TwoFactorEnabled, summary.TotpEnabled, summary.BackupCodeEnabled, summary.BackupCodesRemaining,
            summary.PhoneNumbers, locked, locked ? budget.LockSecondsRemaining(now) : null, budget.AttemptsRemaining(policy, now));
    }
}

/// <summary>Clerk's answer to disabling a user's MFA.</summary>
internal sealed record DeletedMfaResource(string UserId);

internal sealed record SecurityEventResource(string Id, string Type, long CreatedAt, IReadOnlyDictionary<string, string> Data)
{
    public string Object => "security_event";
}

/// <summary>
/// A page of the audit trail. <c>total_count</c> counts this page (Table Storage has no cheap count);
/// <c>has_more</c> says that older events remain: ask again with <c>before</c> = the last event's id.
/// </summary>
internal sealed record SecurityEventList(IReadOnlyList<SecurityEventResource> Data, int TotalCount, bool HasMore);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BackendUserResource))]
[JsonSerializable(typeof(DeletedMfaResource))]
[JsonSerializable(typeof(SecurityEventList))]
internal sealed partial class SecurityJson : JsonSerializerContext;
