using Azure.Data.Tables;
using FunctionsMfa.Domain.SignIns;
using FunctionsMfa.Functions.Storage;
using FunctionsMfa.Functions.Users;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Security;

/// <summary>The user's <c>state</c> row as read: the failure budget, and the ETag every outcome is committed on.</summary>
internal sealed record UserState(FailureBudget Budget, TableEntity? Row);

/// <summary>
/// The user's <c>state</c> row (<c>Failures</c>, <c>LockedUntil</c>) in the user's partition. It is
/// the one row every code evaluation commits on: a failure, a success and a lock are each written If-Match on the
/// ETag read before the code was judged, in the same transaction as what the outcome spends. So of any number of
/// concurrent attempts, only those judged against the current budget are committed, and at most the budget's number
/// of failures can ever be committed per lock window.
/// </summary>
internal sealed class FailureBudgetStore(UserStore users, IOptions<LockoutOptions> options)
{
    public FailureBudgetPolicy Policy { get; } = options.Value.Policy;

    /// <summary>The budget stored in a snapshot already read (no round trip).</summary>
    public static FailureBudget Read(UserSnapshot user) => ReadState(user).Budget;

    public static UserState ReadState(UserSnapshot user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var row = user.Row(UserRows.State);
        if (row is null)
        {
            return new UserState(FailureBudget.Fresh, null);
        }

        return new UserState(new FailureBudget(row.GetInt32("Failures") ?? 0, row.GetDateTimeOffset("LockedUntil")), row);
    }

    /// <summary>The conditional write of the <c>state</c> row: insert-if-absent, or replace If-Match on the ETag read.</summary>
    public static TableTransactionAction Write(string userId, UserState read, FailureBudget budget)
    {
        ArgumentNullException.ThrowIfNull(read);
        var entity = new TableEntity(userId, UserRows.State) { ["Failures"] = budget.Failures, ["LockedUntil"] = budget.LockedUntil };
        return read.Row is null
            ? new TableTransactionAction(TableTransactionActionType.Add, entity)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, read.Row.ETag);
    }

    /// <summary>
    /// The backend's unlock: a fresh budget. Returns the budget before and the partition it was decided on (whose
    /// budget is now fresh). Round trips: 1 query + 1 write, again on a conflict.
    /// </summary>
    public async Task<(FailureBudget Before, UserSnapshot User)> UnlockAsync(string userId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < Contention.MaxRounds; attempt++)
        {
            var user = await users.LoadAsync(userId, cancellationToken);
            var state = ReadState(user);
            if (state.Budget == FailureBudget.Fresh
                || await users.TryCommitAsync([Write(userId, state, FailureBudget.Fresh)], cancellationToken))
            {
                return (state.Budget, user);
            }
        }

        throw new StorageContentionException("failure budget");
    }
}
