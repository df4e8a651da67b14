using System.Globalization;
using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.Events;

/// <summary>Names of the audit trail's events.</summary>
internal static class SecurityEventTypes
{
    public const string TotpEnrolled = "totp.enrolled";
    public const string TotpVerified = "totp.verified";
    public const string TotpDeleted = "totp.deleted";
    public const string BackupCodesCreated = "backup_codes.created";
    public const string BackupCodeUsed = "backup_code.used";
    public const string SecondFactorFailed = "second_factor.failed";
    public const string SecondFactorSucceeded = "second_factor.succeeded";
    public const string UserLocked = "user.locked";
    public const string UserUnlocked = "user.unlocked";
    public const string MfaReset = "mfa.reset";
    public const string PhoneAdded = "phone_number.added";
    public const string PhoneVerified = "phone_number.verified";
    public const string PhoneDeleted = "phone_number.deleted";
    public const string SmsPoisoned = "sms.poisoned";
    public const string SessionEnded = "session.ended";
    public const string SessionRevoked = "session.revoked";
}

/// <summary>One stored audit event. <see cref="Data"/> holds small facts (strategy, remaining count), never a secret or code.</summary>
internal sealed record SecurityEvent(string Id, string UserId, string Type, DateTimeOffset At, IReadOnlyDictionary<string, string> Data);

/// <summary>
/// The audit trail: rows of the user's own partition in <see cref="MfaTables.Users"/>, so an outcome and its events
/// commit in one transaction (no extra round trip, and no event for an outcome that was not committed, or the other
/// way round). Their row keys start with <see cref="UserRows.EventPrefix"/> (<c>~</c>, after every other row key) and
/// count down from the far future, so a range query reads the newest first, and the user's partition query
/// (<see cref="UserStore.LoadAsync"/>) stops before them: the trail grows, the reads of the user's state do not.
/// </summary>
internal sealed class SecurityEventLog(UserStore users, TimeProvider time)
{
    /// <summary>One event now, as an insert for the caller's transaction in the user's partition.</summary>
    public TableTransactionAction Record(string userId, string type, IReadOnlyDictionary<string, string>? data) =>
        new(TableTransactionActionType.Add, Entity(userId, time.GetUtcNow(), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)), type, data));

    /// <summary>
    /// The events of one outcome, as inserts for the caller's transaction. Their row keys come from
    /// <paramref name="at"/> and <paramref name="outcomeId"/>.
    /// </summary>
    public static IEnumerable<TableTransactionAction> Outcome(
        string userId, DateTimeOffset at, string outcomeId, IReadOnlyList<(string Type, IReadOnlyDictionary<string, string>? Data)> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        return records.Select((record, index) => new TableTransactionAction(
            TableTransactionActionType.Add, Entity(userId, at, outcomeId + "_" + index.ToString(CultureInfo.InvariantCulture), record.Type, record.Data)));
    }

    /// <summary>One event on its own (an outcome with no other write in the user's partition). Round trips: 1.</summary>
    public async Task RecordAsync(string userId, string type, IReadOnlyDictionary<string, string>? data, CancellationToken cancellationToken)
    {
        var table = await users.TableAsync();
        try
        {
            await table.AddEntityAsync(Record(userId, type, data).Entity, cancellationToken);
        }
        catch (RequestFailedException exception) when (exception.Status == 409)
        {
            // The SDK's retry of an insert whose first try was written (its answer timed out): the event is recorded.
        }
    }

    private static TableEntity Entity(string userId, DateTimeOffset at, string suffix, string type, IReadOnlyDictionary<string, string>? data)
    {
        var id = (DateTimeOffset.MaxValue.Ticks - at.Ticks).ToString("D19", CultureInfo.InvariantCulture) + "_" + suffix;
        var entity = new TableEntity(userId, UserRows.EventPrefix + id) { ["Type"] = type, ["At"] = at };
        foreach (var (key, value) in data ?? new Dictionary<string, string>())
        {
            entity["d_" + key] = value;
        }

        return entity;
    }

    /// <summary>The newest events first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<SecurityEvent>> ListAsync(string userId, int limit, CancellationToken cancellationToken) =>
        (await ListAsync(userId, limit, before: null, cancellationToken)).Events;

    /// <summary>
    /// The newest events first, at most <paramref name="limit"/>, older than the event <paramref name="before"/> when
    /// given (its id is its row key after the prefix, so "older" is one range condition on the key). <c>HasMore</c> says whether an
    /// older event exists: one more row is read than asked for, in the same page.
    /// </summary>
    public async Task<SecurityEventPage> ListAsync(string userId, int limit, string? before, CancellationToken cancellationToken)
    {
        var table = await users.TableAsync();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {userId} and RowKey gt {UserRows.EventPrefix + before}");
        var events = new List<SecurityEvent>();
        var hasMore = false;
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, maxPerPage: limit + 1, cancellationToken: cancellationToken))
        {
            if (events.Count == limit)
            {
                hasMore = true;
                break;
            }

            var data = entity.Keys.Where(k => k.StartsWith("d_", StringComparison.Ordinal))
                .ToDictionary(k => k[2..], k => Convert.ToString(entity[k], CultureInfo.InvariantCulture) ?? string.Empty, StringComparer.Ordinal);
            events.Add(new SecurityEvent(entity.RowKey[UserRows.EventPrefix.Length..], userId, entity.GetString("Type") ?? string.Empty, entity.GetDateTimeOffset("At") ?? default, data));
        }

        return new SecurityEventPage(events, hasMore);
    }

    /// <summary>
    /// An event id as this log makes it: 19 digits (the countdown of ticks), <c>_</c>, then a suffix of lowercase
    /// letters, digits and <c>_</c> (8 hex digits from <see cref="Record"/>; the outcome id and an index from
    /// <see cref="Outcome"/>).
    /// </summary>
    public static bool IsWellFormedId(string? id) =>
        id is { Length: > 20 and <= 100 } && id[19] == '_' &&
        !id.AsSpan(0, 19).ContainsAnyExcept("0123456789") && !id.AsSpan(20).ContainsAnyExcept("0123456789abcdefghijklmnopqrstuvwxyz_");
}

/// <summary>One page of the audit trail, newest first; <see cref="HasMore"/> when older events remain.</summary>
internal sealed record SecurityEventPage(IReadOnlyList<SecurityEvent> Events, bool HasMore);
