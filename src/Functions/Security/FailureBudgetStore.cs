using Azure;
using Azure.Data.Tables;
using FunctionsMfa.Domain.SignIns;
using FunctionsMfa.Functions.Users;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Security;

/// <summary>What one recorded failure did: the budget after it, and whether it was the one that started the lock.</summary>
internal sealed record FailureRecorded(FailureBudget Budget, bool StartedLock);

/// <summary>
/// The user's <c>state</c> row (<c>Failures</c>, <c>LockedUntil</c>) in the user's partition. Each change is one
/// conditional write (If-Match on the ETag read, or insert-if-absent) retried from a fresh read on a conflict, so
/// concurrent failures from any number of handler instances are all counted.
/// </summary>
internal sealed partial class FailureBudgetStore(UserStore users, IOptions<LockoutOptions> options, TimeProvider time, ILogger<FailureBudgetStore> logger)
{
    private const int MaxRetries = 64;

    public FailureBudgetPolicy Policy { get; } = options.Value.Policy;

    /// <summary>The budget stored in a snapshot already read (no round trip).</summary>
    public static FailureBudget Read(UserSnapshot user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return Read(user.Row(UserRows.State));
    }

    /// <summary>Round trips: 1 read + 1 conditional write, more only under contention.</summary>
    public async Task<FailureRecorded> RecordFailureAsync(string userId, CancellationToken cancellationToken)
    {
        FailureBudget after = default;
        var startedLock = false;
        await UpdateAsync(userId, budget =>
        {
            var now = time.GetUtcNow();
            after = budget.AfterFailure(Policy, now);
            startedLock = !budget.IsLocked(now) && after.IsLocked(now);
            return after;
        }, cancellationToken);
        return new FailureRecorded(after, startedLock);
    }

    /// <summary>Resets the count after a verified second factor; a lock stays. No write when there is nothing to reset.</summary>
    public Task RecordSuccessAsync(string userId, CancellationToken cancellationToken) =>
        UpdateAsync(userId, budget => budget.AfterSuccess(time.GetUtcNow()), cancellationToken);

    /// <summary>The backend's unlock: a fresh budget. Returns the budget before.</summary>
    public async Task<FailureBudget> UnlockAsync(string userId, CancellationToken cancellationToken)
    {
        FailureBudget before = default;
        await UpdateAsync(userId, budget =>
        {
            before = budget;
            return FailureBudget.Fresh;
        }, cancellationToken);
        return before;
    }

    private async Task UpdateAsync(string userId, Func<FailureBudget, FailureBudget> change, CancellationToken cancellationToken)
    {
        var table = await users.TableAsync();
        for (var attempt = 0; attempt < MaxRetries; attempt++)
        {
            var response = await table.GetEntityIfExistsAsync<TableEntity>(userId, UserRows.State, cancellationToken: cancellationToken);
            var row = response.HasValue ? response.Value : null;
            var current = Read(row);
            var next = change(current);
            if (next == current)
            {
                return;
            }

            var entity = new TableEntity(userId, UserRows.State) { ["Failures"] = next.Failures, ["LockedUntil"] = next.LockedUntil };
            try
            {
                if (row is null)
                {
                    await table.AddEntityAsync(entity, cancellationToken);
                }
                else
                {
                    await table.UpdateEntityAsync(entity, row.ETag, TableUpdateMode.Replace, cancellationToken);
                }

                return;
            }
            catch (RequestFailedException exception) when (exception.Status is 409 or 412 or 404)
            {
                // Someone else changed the budget since it was read: apply the change again to their result.
                LogConflict(logger, attempt + 1);
            }
        }

        throw new InvalidOperationException("The failure budget stayed contended after " + MaxRetries + " attempts.");
    }

    private static FailureBudget Read(TableEntity? row) =>
        row is null ? FailureBudget.Fresh : new FailureBudget(row.GetInt32("Failures") ?? 0, row.GetDateTimeOffset("LockedUntil"));

    [LoggerMessage(Level = LogLevel.Debug, Message = "Failure budget write conflicted (attempt {Attempt}); retrying from a fresh read.")]
    private static partial void LogConflict(ILogger logger, int attempt);
}
