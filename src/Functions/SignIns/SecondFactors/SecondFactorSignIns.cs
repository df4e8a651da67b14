using System.Globalization;
using System.Security.Cryptography;
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
/// the strategy (registered and enabled for this user) — then the strategy's judgement, committed with the failure
/// budget, the session and the receipt in one transaction, then the audit trail and the sign-in's transition.
/// </summary>
internal sealed class SecondFactorSignIns(
    IEnumerable<ISecondFactorStrategy> strategies,
    UserStore users,
    SignInStore signIns,
    SignInTransitions transitions,
    FailureBudgetStore budgets,
    SessionStore sessions,
    SecurityEventLog events,
    KeyedHash keyedHash,
    TimeProvider time)
{
    private const string ReceiptPurpose = "second-factor-receipt";

    private readonly Dictionary<string, ISecondFactorStrategy> byName =
        strategies.ToDictionary(s => s.Strategy, StringComparer.Ordinal);

    public async Task<(SignInAttemptResource? SignIn, MfaError? Error)> PrepareAsync(SignInRecord signIn, RequestForm form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        var (admitted, error) = await AdmitAsync(signIn, form.Get("strategy"), cancellationToken);
        if (admitted is null)
        {
            return (null, error);
        }

        var (strategy, user) = admitted.Value;
        var outcome = await strategy.PrepareAsync(new SecondFactorContext(signIn, user, time.GetUtcNow()), form, cancellationToken);
        if (outcome.Error is not null)
        {
            return (null, outcome.Error);
        }

        if (outcome.Verification is { } verification)
        {
            // Conditional on the sign-in the strategy saw: a concurrent preparation or attempt wins, this one is refused.
            var written = await signIns.TryReplaceAsync(signIn with { SecondFactor = verification }, cancellationToken);
            if (written is null)
            {
                return (null, MfaErrors.SignInChanged);
            }

            signIn = written;
        }

        return (SignInAttemptResource.From(signIn, user, time.GetUtcNow()), null);
    }

    /// <summary>
    /// One attempt. The code is judged against the user's partition as read, and the outcome (a failure, or a success
    /// with what it spends, the session and a receipt) is committed in one transaction If-Match on the <c>state</c>
    /// row read before judging: when anything committed in between, nothing is written, the partition is read again
    /// and the code judged again. So a response only ever reveals a committed outcome, at most the budget's number of
    /// failures is committed per lock window, a lock committed first refuses every later success, and a code is spent
    /// exactly when a success is. The sign-in is completed after that commit; if that write fails, the same request
    /// sent again finds its receipt and finishes the sign-in instead of judging a code that is now used.
    /// Round trips, uncontended: 1 (user partition) + [phone: 1 reserve] + 1 (the transaction) + 1 (audit batch)
    /// + [success: 1 sign-in write; a lock: 1 sign-in write].
    /// </summary>
    public async Task<(SignInAttemptResource? SignIn, MfaError? Error)> AttemptAsync(
        SignInRecord signIn, string? strategyName, string? code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signIn);
        if (string.IsNullOrEmpty(strategyName))
        {
            return (null, MfaErrors.FormParamMissing("strategy"));
        }

        if (string.IsNullOrEmpty(code))
        {
            return (null, MfaErrors.FormParamMissing("code"));
        }

        var (admitted, error) = await AdmitAsync(signIn, strategyName, cancellationToken);
        if (admitted is null)
        {
            return (null, error);
        }

        var (strategy, user) = admitted.Value;
        if (strategy.Canonicalize(code) is not { } canonical)
        {
            return (null, MfaErrors.FormParamFormatInvalid("code"));
        }

        var proof = keyedHash.Compute(ReceiptPurpose, signIn.Id + "\n" + strategy.Strategy + "\n" + canonical);
        var sessionId = SessionStore.IdFor(signIn.Id);
        var reserved = false;
        for (var round = 0; round < Contention.MaxRounds; round++)
        {
            if (round > 0)
            {
                user = await users.LoadAsync(signIn.UserId, cancellationToken);
            }

            var now = time.GetUtcNow();
            var state = FailureBudgetStore.ReadState(user);
            if (state.Budget.IsLocked(now))
            {
                // Even a right code is not judged while the user is locked; the sign-in that met the lock ends.
                await transitions.ApplyAsync(signIn, SignInEvent.LockedOut, null, cancellationToken);
                return (null, MfaErrors.UserLocked(state.Budget.LockSecondsRemaining(now)));
            }

            if (user.Row(SessionStore.RowKey(sessionId)) is not null)
            {
                // This sign-in's second factor is already committed: by this very attempt, sent again after a later
                // write failed (finish it), or by another one (this one is too late).
                return state.Receipt is { } receipt && receipt.SignInId == signIn.Id && CryptographicOperations.FixedTimeEquals(receipt.Proof, proof)
                    ? await FinishAsync(signIn, user, strategy, receipt, sessions.Reissue(user, sessionId), null, cancellationToken)
                    : (null, MfaErrors.SignInAlreadyCompleted);
            }

            if (!strategy.IsAvailable(user))
            {
                return (null, MfaErrors.StrategyForUserInvalid);
            }

            if (!reserved)
            {
                var (withTry, refusal) = await strategy.ReserveAsync(signIn, user, cancellationToken);
                if (withTry is null)
                {
                    return (null, refusal);
                }

                signIn = withTry;
                reserved = true;
            }

            var outcome = strategy.Judge(new SecondFactorContext(signIn, user, now), canonical);
            switch (outcome.Result)
            {
                case AttemptResult.Rejected:
                    return (null, outcome.Error ?? MfaErrors.FormParamValueInvalid("code"));

                case AttemptResult.Incorrect:
                    var after = state.Budget.AfterFailure(budgets.Policy, now);
                    if (!await users.TryCommitAsync([FailureBudgetStore.Write(signIn.UserId, state, after, state.Receipt)], cancellationToken))
                    {
                        continue;
                    }

                    return (null, await FailedAsync(signIn, strategy, outcome, state.Budget, after, now, cancellationToken));

                case AttemptResult.Verified:
                    var (sessionInsert, session) = sessions.Prepare(
                        signIn.UserId, sessionId, ["pwd", strategy.AuthenticationMethod], signIn.CreatedAt, now);
                    var receipt = new SecondFactorReceipt(signIn.Id, proof, sessionId, now);
                    List<TableTransactionAction> actions =
                    [
                        FailureBudgetStore.Write(signIn.UserId, state, state.Budget.AfterSuccess(now), receipt),
                        .. outcome.Spend,
                        sessionInsert,
                        .. sessions.CleanupActions(user),
                    ];
                    if (!await users.TryCommitAsync(actions, cancellationToken))
                    {
                        continue;
                    }

                    return await FinishAsync(signIn, user, strategy, receipt, session, outcome, cancellationToken);

                default:
                    throw new InvalidOperationException("Unknown attempt result.");
            }
        }

        throw new StorageContentionException("second-factor attempt");
    }

    /// <summary>The shared gate. Round trips: 1 (user partition query), + 1 when it persists an expiry or a lockout.</summary>
    private async Task<((ISecondFactorStrategy Strategy, UserSnapshot User)? Admitted, MfaError? Error)> AdmitAsync(
        SignInRecord signIn, string? strategyName, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        switch (SignInStateMachine.Admit(signIn.Status, signIn.AbandonAt, now))
        {
            case SignInRefusal.None:
                break;
            case SignInRefusal.AlreadyCompleted:
                return (null, MfaErrors.SignInAlreadyCompleted);
            case SignInRefusal.Expired:
                // Recorded, so the stored status matches what readers already see.
                await transitions.ApplyAsync(signIn, SignInEvent.Expired, null, cancellationToken);
                return (null, MfaErrors.SignInExpired);
            case SignInRefusal.Abandoned:
                return (null, MfaErrors.SignInAbandoned);
            default:
                throw new InvalidOperationException("Unknown refusal.");
        }

        if (string.IsNullOrEmpty(strategyName))
        {
            return (null, MfaErrors.FormParamMissing("strategy"));
        }

        var user = await users.LoadAsync(signIn.UserId, cancellationToken);
        var budget = FailureBudgetStore.Read(user);
        if (budget.IsLocked(now))
        {
            await transitions.ApplyAsync(signIn, SignInEvent.LockedOut, null, cancellationToken);
            return (null, MfaErrors.UserLocked(budget.LockSecondsRemaining(now)));
        }

        if (!byName.TryGetValue(strategyName, out var strategy) || !strategy.IsAvailable(user))
        {
            return (null, MfaErrors.StrategyForUserInvalid);
        }

        return ((strategy, user), null);
    }

    /// <summary>After a committed failure: the audit trail (one batch), and when it started the lock, the sign-in's end.</summary>
    private async Task<MfaError> FailedAsync(
        SignInRecord signIn, ISecondFactorStrategy strategy, AttemptOutcome outcome, FailureBudget before, FailureBudget after, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var remaining = after.AttemptsRemaining(budgets.Policy, now);
        var startedLock = !before.IsLocked(now) && after.IsLocked(now);
        List<(string, IReadOnlyDictionary<string, string>?)> records =
        [
            (SecurityEventTypes.SecondFactorFailed, new Dictionary<string, string>
            {
                ["strategy"] = strategy.Strategy,
                ["sign_in_id"] = signIn.Id,
                ["attempts_remaining"] = remaining.ToString(CultureInfo.InvariantCulture),
            }),
        ];
        if (startedLock)
        {
            records.Add((SecurityEventTypes.UserLocked, new Dictionary<string, string>
            {
                ["sign_in_id"] = signIn.Id,
                ["locked_until"] = after.LockedUntil!.Value.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            }));
        }

        await events.RecordOutcomeAsync(signIn.UserId, now, Ids.New("evt"), records, cancellationToken);
        if (after.IsLocked(now))
        {
            await transitions.ApplyAsync(signIn, SignInEvent.LockedOut, null, cancellationToken);
            return MfaErrors.UserLocked(after.LockSecondsRemaining(now));
        }

        // form_code_incorrect (the TOTP feature's catalog entry) unless the strategy has its own, with what is left of the budget.
        var error = outcome.Error ?? MfaErrors.FormCodeIncorrect;
        return error with { Meta = (error.Meta ?? new ErrorMeta()) with { AttemptsRemaining = remaining } };
    }

    /// <summary>
    /// After a committed success (or its receipt): the audit trail (idempotent on the receipt), then the sign-in's
    /// completion, If-Match (re-read on a conflict). Only the request whose write completes the sign-in gets the token.
    /// </summary>
    private async Task<(SignInAttemptResource? SignIn, MfaError? Error)> FinishAsync(
        SignInRecord signIn, UserSnapshot user, ISecondFactorStrategy strategy, SecondFactorReceipt receipt, CreatedSession? session,
        AttemptOutcome? outcome, CancellationToken cancellationToken)
    {
        if (session is null)
        {
            // The receipt's session has run out (its token would already be expired): the sign-in cannot finish now.
            return (null, MfaErrors.SignInExpired);
        }

        var data = new Dictionary<string, string>(outcome?.EventData ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            ["strategy"] = strategy.Strategy,
            ["sign_in_id"] = signIn.Id,
            ["session_id"] = session.SessionId,
        };
        List<(string, IReadOnlyDictionary<string, string>?)> records = [(SecurityEventTypes.SecondFactorSucceeded, data)];
        if (outcome?.AlsoRecord is { } alsoRecord)
        {
            records.Add((alsoRecord, data));
        }

        await events.RecordOutcomeAsync(signIn.UserId, receipt.At, receipt.SessionId, records, cancellationToken);
        var (completed, refusal) = await transitions.ApplyAsync(signIn, SignInEvent.SecondFactorVerified, s => s with
        {
            CreatedSessionId = session.SessionId,
            SecondFactor = s.SecondFactor is { } verification && verification.Strategy == strategy.Strategy
                ? verification with { Status = "verified", CodeHash = null }
                : new SecondFactorState(strategy.Strategy, "verified"),
        }, cancellationToken);

        return refusal switch
        {
            SignInRefusal.None => (SignInAttemptResource.From(completed, user, time.GetUtcNow()) with { SessionToken = session.Token }, null),
            SignInRefusal.AlreadyCompleted => (null, MfaErrors.SignInAlreadyCompleted),
            SignInRefusal.Expired => (null, MfaErrors.SignInExpired),
            _ => (null, MfaErrors.SignInAbandoned),
        };
    }
}
