using System.Globalization;
using Azure.Data.Tables;
using FunctionsMfa.Domain.SignIns;
using FunctionsMfa.Functions.Crypto;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Security;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.Functions.Storage;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.SignIns.SecondFactors;

/// <summary>
/// <c>prepare_second_factor</c> and <c>attempt_second_factor</c>: the checks every strategy shares, in this order —
/// the sign-in's state (complete, expired, abandoned), the user's lock (a locked user's code is never judged),
/// the strategy (registered and enabled for this user) — then the strategy's judgement, committed in one transaction
/// of the user's partition with everything it changes: the failure budget, the sign-in's state row, the session and
/// the audit events.
/// </summary>
internal sealed class SecondFactorSignIns(
    IEnumerable<ISecondFactorStrategy> strategies,
    UserStore users,
    FailureBudgetStore budgets,
    SessionStore sessions,
    TimeProvider time)
{
    private readonly Dictionary<string, ISecondFactorStrategy> byName =
        strategies.ToDictionary(s => s.Strategy, StringComparer.Ordinal);

    /// <summary>
    /// Round trips: none for the user partition (<paramref name="user"/> came with the sign-in), + what the strategy
    /// does, + 1 (the transaction of its verification, when it has one: the sign-in's state row and the strategy's own
    /// writes), then what the strategy sends.
    /// </summary>
    public async Task<(SignInAttemptResource? SignIn, MfaError? Error)> PrepareAsync(
        SignInRecord created, UserSnapshot user, RequestForm form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (string.IsNullOrEmpty(form.Get("strategy")))
        {
            return (null, MfaErrors.FormParamMissing("strategy"));
        }

        var signIn = SignInStore.Current(created, user);
        var (strategy, error) = await AdmitAsync(signIn, user, form.Get("strategy")!, cancellationToken);
        if (strategy is null)
        {
            return (null, error);
        }

        var now = time.GetUtcNow();
        var outcome = await strategy.PrepareAsync(new SecondFactorContext(signIn, user, now), form, cancellationToken);
        if (outcome.Error is not null)
        {
            return (null, outcome.Error);
        }

        if (outcome.Verification is { } verification)
        {
            // Conditional on the sign-in the strategy saw: a concurrent preparation or attempt wins, this one is refused.
            var next = signIn with { SecondFactor = verification };
            if (!await users.TryCommitAsync([SignInStore.Write(next), .. outcome.AlsoWrite, .. SignInStore.CleanupActions(user, now, signIn.Id)], cancellationToken))
            {
                return (null, MfaErrors.SignInChanged);
            }

            signIn = next;
            if (outcome.Send is { } send)
            {
                await send(cancellationToken);
            }
        }

        return (SignInAttemptResource.From(signIn, user, time.GetUtcNow()), null);
    }

    /// <summary>
    /// One attempt. The code is judged against the user's partition as read, and the outcome is committed in one
    /// transaction If-Match on the <c>state</c> row (and the sign-in's state row) read before judging: a failure (the
    /// budget, the lock on the last one, a phone code's spent try, the events), or a success (the budget reset, what
    /// the code spends, the new session, the sign-in completed, the events). When anything committed in
    /// between, nothing is written, the partition is read again and the code judged again. So a response only ever
    /// reveals a committed outcome, at most the budget's number of failures is committed per lock window (and a phone
    /// code's number of tries per verification), a lock committed first refuses every later success, and a code is
    /// spent exactly when its sign-in completes. If the answer to that commit is lost and the SDK sends it again, the
    /// transaction's stamp tells the request it committed (<see cref="UserStore.TryCommitAsync"/>), so it answers its
    /// session instead of judging a code that is now used.
    /// Round trips, uncontended: 1 (the transaction; <paramref name="read"/>, the partition read with the sign-in,
    /// serves the first round, and each later round reads it again).
    /// </summary>
    public async Task<(SignInAttemptResource? SignIn, MfaError? Error)> AttemptAsync(
        SignInRecord created, UserSnapshot read, string? strategyName, string? code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(created);
        if (string.IsNullOrEmpty(strategyName))
        {
            return (null, MfaErrors.FormParamMissing("strategy"));
        }

        if (string.IsNullOrEmpty(code))
        {
            return (null, MfaErrors.FormParamMissing("code"));
        }

        var sessionId = SessionStore.IdFor(created.Id);
        var canonical = byName.GetValueOrDefault(strategyName)?.Canonicalize(code);
        for (var round = 0; round < Contention.MaxRounds; round++)
        {
            // The partition read with the sign-in serves the first round.
            var user = round == 0 ? read : await users.LoadAsync(created.UserId, cancellationToken);
            var signIn = SignInStore.Current(created, user);
            var state = FailureBudgetStore.ReadState(user);
            var (strategy, error) = await AdmitAsync(signIn, user, strategyName, cancellationToken);
            if (strategy is null)
            {
                if (error is null)
                {
                    continue;
                }

                return (null, error);
            }

            if (canonical is null)
            {
                return (null, MfaErrors.FormParamFormatInvalid("code"));
            }

            var now = time.GetUtcNow();
            var outcome = strategy.Judge(new SecondFactorContext(signIn, user, now), canonical);
            switch (outcome.Result)
            {
                case AttemptResult.Rejected:
                    return (null, outcome.Error ?? MfaErrors.FormParamValueInvalid("code"));

                case AttemptResult.Incorrect:
                    var after = state.Budget.AfterFailure(budgets.Policy, now);
                    var (failure, answer) = Failure(signIn, strategy, outcome, state, after, now);
                    if (!await users.TryCommitAsync(failure, cancellationToken))
                    {
                        continue;
                    }

                    return (null, answer);

                case AttemptResult.Verified:
                    var (sessionInsert, session) = sessions.Prepare(
                        signIn.UserId, sessionId, ["pwd", strategy.AuthenticationMethod], signIn.CreatedAt, now);
                    var transition = SignInStateMachine.Apply(signIn.Status, SignInEvent.SecondFactorVerified, signIn.AbandonAt, now);
                    if (!transition.IsAllowed)
                    {
                        return (null, MfaErrors.SignInExpired);
                    }

                    var completed = signIn with
                    {
                        Status = transition.To!.Value,
                        CreatedSessionId = sessionId,
                        SecondFactor = outcome.Verification ?? new SecondFactorState(strategy.Strategy, "verified"),
                    };
                    List<TableTransactionAction> actions =
                    [
                        FailureBudgetStore.Write(signIn.UserId, state, state.Budget.AfterSuccess(now)),
                        .. outcome.Spend,
                        sessionInsert,
                        SignInStore.Write(completed),
                        .. SecurityEventLog.Outcome(signIn.UserId, now, sessionId, Succeeded(signIn, strategy, outcome, sessionId)),
                        .. sessions.CleanupActions(user),
                        .. SignInStore.CleanupActions(user, now, signIn.Id),
                    ];
                    // The token is signed while the transaction is in flight, and handed out only once it committed.
                    var committing = users.TryCommitAsync(actions, cancellationToken);
                    var token = session.Issue().Token;
                    if (!await committing)
                    {
                        continue;
                    }

                    return (SignInAttemptResource.From(completed, user, now) with { SessionToken = token }, null);

                default:
                    throw new InvalidOperationException("Unknown attempt result.");
            }
        }

        throw new StorageContentionException("second-factor attempt");
    }

    /// <summary>
    /// The shared gate, on the sign-in as it stands in the snapshot. When the user is locked, the sign-in that met the
    /// lock ends (its state row written abandoned): (null, null) means that write met a concurrent change, and the
    /// caller reads again. Round trips: none, or 1 for that write.
    /// </summary>
    private async Task<(ISecondFactorStrategy? Strategy, MfaError? Error)> AdmitAsync(
        SignInRecord signIn, UserSnapshot user, string strategyName, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        switch (SignInStateMachine.Admit(signIn.Status, signIn.AbandonAt, now))
        {
            case SignInRefusal.None:
                break;
            case SignInRefusal.AlreadyCompleted:
                return (null, MfaErrors.SignInAlreadyCompleted);
            case SignInRefusal.Expired:
                // Readers see an expired sign-in as abandoned already (SignInStateMachine.Observe): nothing to write.
                return (null, MfaErrors.SignInExpired);
            case SignInRefusal.Abandoned:
                return (null, MfaErrors.SignInAbandoned);
            default:
                throw new InvalidOperationException("Unknown refusal.");
        }

        var budget = FailureBudgetStore.Read(user);
        if (budget.IsLocked(now))
        {
            // Even a right code is not judged while the user is locked; the sign-in that met the lock ends.
            return await users.TryCommitAsync([SignInStore.Write(signIn with { Status = LockedOut(signIn, now) })], cancellationToken)
                ? (null, MfaErrors.UserLocked(budget.LockSecondsRemaining(now)))
                : (null, null);
        }

        if (!byName.TryGetValue(strategyName, out var strategy) || !strategy.IsAvailable(user))
        {
            return (null, MfaErrors.StrategyForUserInvalid);
        }

        return (strategy, null);
    }

    /// <summary>
    /// A judged wrong code's transaction: the budget (If-Match), the strategy's spent try on the sign-in, the sign-in
    /// abandoned when this failure starts the lock, and the events; and the answer to give once it committed.
    /// </summary>
    private (IReadOnlyList<TableTransactionAction> Actions, MfaError Answer) Failure(
        SignInRecord signIn, ISecondFactorStrategy strategy, AttemptOutcome outcome, UserState state, FailureBudget after, DateTimeOffset now)
    {
        var remaining = after.AttemptsRemaining(budgets.Policy, now);
        var locks = !state.Budget.IsLocked(now) && after.IsLocked(now);
        List<(string, IReadOnlyDictionary<string, string>?)> records =
        [
            (SecurityEventTypes.SecondFactorFailed, new Dictionary<string, string>
            {
                ["strategy"] = strategy.Strategy,
                ["sign_in_id"] = signIn.Id,
                ["attempts_remaining"] = remaining.ToString(CultureInfo.InvariantCulture),
            }),
        ];
        if (locks)
        {
            records.Add((SecurityEventTypes.UserLocked, new Dictionary<string, string>
            {
                ["sign_in_id"] = signIn.Id,
                ["locked_until"] = after.LockedUntil!.Value.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            }));
        }

        List<TableTransactionAction> actions =
        [
            FailureBudgetStore.Write(signIn.UserId, state, after),
            .. SecurityEventLog.Outcome(signIn.UserId, now, Ids.New("evt"), records),
        ];
        var next = signIn with
        {
            Status = after.IsLocked(now) ? LockedOut(signIn, now) : signIn.Status,
            SecondFactor = outcome.Verification ?? signIn.SecondFactor,
        };
        if (next != signIn)
        {
            actions.Add(SignInStore.Write(next));
        }

        if (after.IsLocked(now))
        {
            return (actions, MfaErrors.UserLocked(after.LockSecondsRemaining(now)));
        }

        // form_code_incorrect (the TOTP feature's catalog entry) unless the strategy has its own, with what is left of the budget.
        var error = outcome.Error ?? MfaErrors.FormCodeIncorrect;
        return (actions, error with { Meta = (error.Meta ?? new ErrorMeta()) with { AttemptsRemaining = remaining } });
    }

    /// <summary>The status of a waiting sign-in that met the lock (the state machine's <see cref="SignInEvent.LockedOut"/>).</summary>
    private static SignInStatus LockedOut(SignInRecord signIn, DateTimeOffset now) =>
        SignInStateMachine.Apply(signIn.Status, SignInEvent.LockedOut, signIn.AbandonAt, now).To ?? signIn.Status;

    private static List<(string, IReadOnlyDictionary<string, string>?)> Succeeded(
        SignInRecord signIn, ISecondFactorStrategy strategy, AttemptOutcome outcome, string sessionId)
    {
        var data = new Dictionary<string, string>(outcome.EventData ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            ["strategy"] = strategy.Strategy,
            ["sign_in_id"] = signIn.Id,
            ["session_id"] = sessionId,
        };
        List<(string, IReadOnlyDictionary<string, string>?)> records = [(SecurityEventTypes.SecondFactorSucceeded, data)];
        if (outcome.AlsoRecord is { } alsoRecord)
        {
            records.Add((alsoRecord, data));
        }

        return records;
    }
}
