using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using FunctionsMfa.Domain.SignIns;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Users;
using FunctionsMfa.Functions.Wire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FunctionsMfa.Functions.Security;

/// <summary>The backend's view of a user (secret key): the MFA summary, unlock, support reset and the audit trail.</summary>
internal static class BackendUserEndpoints
{
    private const int DefaultEventLimit = 50;
    private const int MaxEventLimit = 100;

    /// <summary>Round trips: 1 (user partition query).</summary>
    internal static async Task<Results<Ok<BackendUserResource>, ErrorResult>> GetAsync(
        [FromRoute(Name = "user_id")] string userId, UserStore users, FailureBudgetStore budgets, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!UserRows.IsValidUserId(userId))
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        var user = await users.LoadAsync(userId, cancellationToken);
        return TypedResults.Ok(BackendUserResource.From(user, budgets.Policy, time.GetUtcNow()));
    }

    /// <summary>Round trips: 1 partition query + 1 conditional write of the budget, 1 audit insert; the answer is the partition read, with the fresh budget.</summary>
    internal static async Task<Results<Ok<BackendUserResource>, ErrorResult>> UnlockAsync(
        [FromRoute(Name = "user_id")] string userId, FailureBudgetStore budgets, SecurityEventLog events, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!UserRows.IsValidUserId(userId))
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        var (before, user) = await budgets.UnlockAsync(userId, cancellationToken);
        var now = time.GetUtcNow();
        await events.RecordAsync(userId, SecurityEventTypes.UserUnlocked, new Dictionary<string, string>
        {
            ["was_locked"] = before.IsLocked(now) ? "true" : "false",
            ["failures"] = before.Failures.ToString(CultureInfo.InvariantCulture),
        }, cancellationToken);
        return TypedResults.Ok(BackendUserResource.From(user, FailureBudget.Fresh, budgets.Policy, now));
    }

    /// <summary>
    /// Support reset: deletes every row of the user's partition (factors, backup codes, failure budget) with If-Match,
    /// in entity-group transactions of at most 100; a row changed meanwhile makes the transaction fail and the reset
    /// start again from a fresh read. The audit trail (another table) stays, with a record of the reset.
    /// </summary>
    internal static async Task<Results<Ok<DeletedMfaResource>, ErrorResult>> ResetAsync(
        [FromRoute(Name = "user_id")] string userId, UserStore users, SecurityEventLog events, CancellationToken cancellationToken)
    {
        if (!UserRows.IsValidUserId(userId))
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        var table = await users.TableAsync();
        UserFactors removed = new(false, 0, []);
        for (var attempt = 0; ; attempt++)
        {
            var user = await users.LoadAsync(userId, cancellationToken);
            if (attempt == 0)
            {
                removed = UserFactors.From(user);
            }

            if (user.Rows.Count == 0)
            {
                break;
            }

            try
            {
                foreach (var chunk in user.Rows.Values.Chunk(100))
                {
                    await table.SubmitTransactionAsync(
                        chunk.Select(row => new TableTransactionAction(TableTransactionActionType.Delete, row, row.ETag)), cancellationToken);
                }

                break;
            }
            catch (RequestFailedException exception) when (exception.Status is 404 or 412)
            {
                // A row changed or went meanwhile: read again and delete what is there now.
                if (attempt + 1 >= Storage.Contention.MaxRounds)
                {
                    throw new Storage.StorageContentionException("user's rows");
                }
            }
        }

        await events.RecordAsync(userId, SecurityEventTypes.MfaReset, new Dictionary<string, string>
        {
            ["totp"] = removed.TotpEnabled ? "true" : "false",
            ["backup_codes"] = removed.BackupCodesRemaining.ToString(CultureInfo.InvariantCulture),
            ["phone_numbers"] = removed.SecondFactorPhoneIds.Count.ToString(CultureInfo.InvariantCulture),
        }, cancellationToken);
        return TypedResults.Ok(new DeletedMfaResource(userId));
    }

    /// <summary>
    /// Newest first; <c>?limit=</c> 1–100 (default 50); <c>?before=</c> an event id: only older events, so a client
    /// reads the whole trail page by page, passing the last id it got while <c>has_more</c> is true.
    /// Round trips: 1 (partition query, one page).
    /// </summary>
    internal static async Task<Results<Ok<SecurityEventList>, ErrorResult>> ListEventsAsync(
        [FromRoute(Name = "user_id")] string userId, int? limit, string? before, SecurityEventLog events, CancellationToken cancellationToken)
    {
        if (!UserRows.IsValidUserId(userId))
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        if (limit is < 1 or > MaxEventLimit)
        {
            return MfaErrors.FormParamValueInvalid("limit").Result();
        }

        if (before is not null && !SecurityEventLog.IsWellFormedId(before))
        {
            return MfaErrors.FormParamFormatInvalid("before").Result();
        }

        var page = await events.ListAsync(userId, limit ?? DefaultEventLimit, before, cancellationToken);
        var data = page.Events.Select(e => new SecurityEventResource(e.Id, e.Type, e.At.ToUnixTimeMilliseconds(), e.Data)).ToList();
        return TypedResults.Ok(new SecurityEventList(data, data.Count, page.HasMore));
    }
}

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
