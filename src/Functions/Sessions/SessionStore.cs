using Azure.Data.Tables;
using FunctionsMfa.Functions.Users;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Sessions;

/// <summary>A session created by a completed sign-in, and its first token.</summary>
internal sealed record CreatedSession(string SessionId, string Token);

/// <summary>A session whose row is being written: <see cref="Issue"/> signs its first token (see <see cref="SessionStore.Prepare"/>).</summary>
internal sealed class PendingSession(SessionTokens tokens, string userId, string sessionId, IReadOnlyList<string> amr, DateTimeOffset firstFactorAt, DateTimeOffset? secondFactorAt)
{
    public CreatedSession Issue() => new(sessionId, tokens.Issue(userId, sessionId, amr, firstFactorAt, secondFactorAt));
}

/// <summary>
/// Sessions are rows of the user's partition (<c>session_{sess_…}</c>), so a <c>/v1/me</c> request checks its token's
/// session in the partition query it makes anyway, and a factor change or a reset ends sessions in the same
/// transaction. A session's id carries its sign-in's random part (<c>sia_X</c> → <c>sess_X</c>): the backend's revoke
/// finds the user from the sign-in row, with no index of its own. A row lives until its token's expiry; later
/// commits in the partition delete expired rows as they go.
/// </summary>
internal sealed class SessionStore(UserStore users, SessionTokens tokens, IOptions<SessionTokenOptions> options, TimeProvider time)
{
    /// <summary>How many expired rows one commit cleans up at most (a transaction holds 100 operations).</summary>
    private const int CleanupPerCommit = 20;

    public static string IdFor(string signInId)
    {
        ArgumentNullException.ThrowIfNull(signInId);
        return "sess_" + signInId[(signInId.IndexOf('_', StringComparison.Ordinal) + 1)..];
    }

    /// <summary>The sign-in a session came from (the inverse of <see cref="IdFor"/>); null for a malformed id.</summary>
    public static string? SignInIdOf(string sessionId) =>
        sessionId is { Length: > 5 } && sessionId.StartsWith("sess_", StringComparison.Ordinal) ? "sia_" + sessionId[5..] : null;

    public static string RowKey(string sessionId) => UserRows.SessionPrefix + sessionId;

    /// <summary>Whether the session's row is in the snapshot and its token may still be live.</summary>
    public bool IsActive(UserSnapshot user, string sessionId)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Row(RowKey(sessionId)) is { } row && row.GetDateTimeOffset("ExpiresAt") is { } expires && expires > time.GetUtcNow();
    }

    /// <summary>
    /// The insert of a new session's row (for the caller's transaction), and the session whose token
    /// <see cref="PendingSession.Issue"/> signs: a caller may sign while its transaction is in flight (the signature is
    /// CPU work the request would otherwise wait for after the answer), and hands the token out only once the
    /// transaction committed. A token whose row never committed is refused anyway (<see cref="IsActive"/>).
    /// </summary>
    public (TableTransactionAction Insert, PendingSession Session) Prepare(
        string userId, string sessionId, IReadOnlyList<string> amr, DateTimeOffset firstFactorAt, DateTimeOffset? secondFactorAt)
    {
        var now = time.GetUtcNow();
        var row = new TableEntity(userId, RowKey(sessionId))
        {
            ["Amr"] = string.Join(' ', amr),
            ["CreatedAt"] = now,
            ["ExpiresAt"] = now + options.Value.TokenLifetime,
            ["FirstFactorAt"] = firstFactorAt,
            ["SecondFactorAt"] = secondFactorAt,
        };
        return (new TableTransactionAction(TableTransactionActionType.Add, row), new PendingSession(tokens, userId, sessionId, amr, firstFactorAt, secondFactorAt));
    }

    /// <summary>
    /// One insert (one round trip), with <paramref name="alsoWrite"/> in its transaction when given (the user's label),
    /// and a token signed while it is in flight: the sign-in of a user without a second factor. If that extra write met a concurrent one
    /// (another sign-in's label, equally right), the session is inserted without it. (A try whose answer was lost is
    /// told apart by <see cref="UserStore.TryCommitAsync"/>.)
    /// </summary>
    public async Task<CreatedSession> CreateAsync(
        string userId, string sessionId, IReadOnlyList<string> amr, DateTimeOffset firstFactorAt, DateTimeOffset? secondFactorAt,
        TableTransactionAction? alsoWrite, CancellationToken cancellationToken)
    {
        var (insert, pending) = Prepare(userId, sessionId, amr, firstFactorAt, secondFactorAt);
        var committing = users.TryCommitAsync(alsoWrite is null ? [insert] : [insert, alsoWrite], cancellationToken);
        var session = pending.Issue();
        if (!await committing && (alsoWrite is null || !await users.TryCommitAsync([insert], cancellationToken)))
        {
            throw new Storage.StorageContentionException("session");
        }

        return session;
    }

    /// <summary>Deletes of the snapshot's expired session rows (If-Match), a bounded number, for the caller's transaction.</summary>
    public IEnumerable<TableTransactionAction> CleanupActions(UserSnapshot user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var now = time.GetUtcNow();
        return user.RowsWithPrefix(UserRows.SessionPrefix)
            .Where(row => row.GetDateTimeOffset("ExpiresAt") is not { } expires || expires <= now)
            .Take(CleanupPerCommit)
            .Select(row => new TableTransactionAction(TableTransactionActionType.Delete, row, row.ETag));
    }

    /// <summary>
    /// Deletes of every session row except <paramref name="keepSessionId"/>'s (If-Match): a removed factor ends the
    /// others. Bounded so the factor's own rows still fit the transaction: a user would need more than 80 sessions
    /// created within one token lifetime to leave any out.
    /// </summary>
    public static IReadOnlyList<TableTransactionAction> EndOthersActions(UserSnapshot user, string? keepSessionId)
    {
        ArgumentNullException.ThrowIfNull(user);
        var keep = keepSessionId is null ? null : RowKey(keepSessionId);
        return [.. user.RowsWithPrefix(UserRows.SessionPrefix)
            .Where(row => !string.Equals(row.RowKey, keep, StringComparison.Ordinal))
            .Take(80)
            .Select(row => new TableTransactionAction(TableTransactionActionType.Delete, row, row.ETag))];
    }

    /// <summary>
    /// Ends one session: deletes its row, with <paramref name="record"/> (its audit event) in the same transaction.
    /// False when there was no row. Round trips: 1.
    /// </summary>
    public Task<bool> EndAsync(string userId, string sessionId, TableTransactionAction record, CancellationToken cancellationToken) =>
        users.TryCommitAsync([new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(userId, RowKey(sessionId)), Azure.ETag.All), record], cancellationToken);
}
