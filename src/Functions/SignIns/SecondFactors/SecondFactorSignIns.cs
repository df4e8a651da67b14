using System.Globalization;
using FunctionsMfa.Domain.SignIns;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Security;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.Functions.Users;
using FunctionsMfa.Functions.Wire;

namespace FunctionsMfa.Functions.SignIns.SecondFactors;

/// <summary>
/// <c>prepare_second_factor</c> and <c>attempt_second_factor</c>: the checks every strategy shares, in this order —
/// the sign-in's state (complete, expired, abandoned), the user's lock (a locked user's code is never evaluated),
/// the strategy (registered and enabled for this user) — then the strategy itself, then the failure budget, the
/// sign-in's transition, the session and the audit trail.
/// </summary>
internal sealed class SecondFactorSignIns(
    IEnumerable<ISecondFactorStrategy> strategies,
    UserStore users,
    SignInStore signIns,
    SignInTransitions transitions,
    FailureBudgetStore budgets,
    SessionStore sessions,
    SecurityEventLog events,
    TimeProvider time)
{
    private const int MaxVerificationRetries = 4;

    private readonly Dictionary<string, ISecondFactorStrategy> byName =
        strategies.ToDictionary(s => s.Strategy, StringComparer.Ordinal);

    /// <summary>
    /// Every body parameter <c>prepare_second_factor</c> may carry: Clerk's (<c>strategy</c>, <c>phone_number_id</c>,
    /// so a phone request gets <c>strategy_for_user_invalid</c> rather than <c>form_param_unknown</c> whichever
    /// strategies are registered) and those the registered strategies declare.
    /// </summary>
    public string[] PrepareParameters =>
        [.. new[] { "strategy", "phone_number_id" }.Concat(byName.Values.SelectMany(s => s.PrepareParameters)).Distinct(StringComparer.Ordinal)];

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

        for (var round = 0; ; round++)
        {
            var (admitted, error) = await AdmitAsync(signIn, strategyName, cancellationToken);
            if (admitted is null)
            {
                return (null, error);
            }

            var (strategy, user) = admitted.Value;
            var now = time.GetUtcNow();
            var outcome = await strategy.AttemptAsync(new SecondFactorContext(signIn, user, now), code, cancellationToken);
            switch (outcome.Result)
            {
                case AttemptResult.Verified:
                    return await CompleteAsync(signIn, user, strategy, outcome, cancellationToken);

                case AttemptResult.Rejected:
                    if (outcome.Verification is not null && !await TryStoreVerificationAsync(signIn, outcome.Verification, cancellationToken))
                    {
                        break;
                    }

                    return (null, outcome.Error ?? MfaErrors.FormParamValueInvalid("code"));

                case AttemptResult.Incorrect:
                    // A strategy that keeps per-verification state (a phone code's tries) stores it first, conditionally;
                    // on a conflict the attempt is re-run on a fresh read, so no wrong try is lost.
                    if (outcome.Verification is not null && !await TryStoreVerificationAsync(signIn, outcome.Verification, cancellationToken))
                    {
                        break;
                    }

                    return (null, await SpendBudgetAsync(signIn, strategy, outcome, cancellationToken));

                default:
                    throw new InvalidOperationException("Unknown attempt result.");
            }

            if (round == MaxVerificationRetries || await signIns.GetAsync(signIn.Id, cancellationToken) is not { } fresh)
            {
                return (null, MfaErrors.SignInChanged);
            }

            signIn = fresh;
        }
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

    private async Task<bool> TryStoreVerificationAsync(SignInRecord signIn, SecondFactorState verification, CancellationToken cancellationToken) =>
        await signIns.TryReplaceAsync(signIn with { SecondFactor = verification }, cancellationToken) is not null;

    /// <summary>Round trips: 1 read + 1 conditional write of the budget (more under contention), 1 audit insert; + 2 when it locks.</summary>
    private async Task<MfaError> SpendBudgetAsync(SignInRecord signIn, ISecondFactorStrategy strategy, AttemptOutcome outcome, CancellationToken cancellationToken)
    {
        var recorded = await budgets.RecordFailureAsync(signIn.UserId, cancellationToken);
        var now = time.GetUtcNow();
        var remaining = recorded.Budget.AttemptsRemaining(budgets.Policy, now);
        await events.RecordAsync(signIn.UserId, SecurityEventTypes.SecondFactorFailed, new Dictionary<string, string>
        {
            ["strategy"] = strategy.Strategy,
            ["sign_in_id"] = signIn.Id,
            ["attempts_remaining"] = remaining.ToString(CultureInfo.InvariantCulture),
        }, cancellationToken);

        if (recorded.Budget.IsLocked(now))
        {
            await transitions.ApplyAsync(signIn, SignInEvent.LockedOut, null, cancellationToken);
            if (recorded.StartedLock)
            {
                await events.RecordAsync(signIn.UserId, SecurityEventTypes.UserLocked, new Dictionary<string, string>
                {
                    ["sign_in_id"] = signIn.Id,
                    ["locked_until"] = recorded.Budget.LockedUntil!.Value.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                }, cancellationToken);
            }

            return MfaErrors.UserLocked(recorded.Budget.LockSecondsRemaining(now));
        }

        // form_code_incorrect (the TOTP feature's catalog entry) unless the strategy has its own, with what is left of the budget.
        var error = outcome.Error ?? MfaErrors.FormCodeIncorrect;
        return error with { Meta = (error.Meta ?? new ErrorMeta()) with { AttemptsRemaining = remaining } };
    }

    /// <summary>
    /// Round trips: budget reset (1 read, + 1 write when there were failures), 1 session insert, 1 conditional sign-in
    /// write, 1 audit insert. The session is created before the sign-in is marked complete; if a concurrent attempt
    /// completed the sign-in first, this one's session is never handed out.
    /// </summary>
    private async Task<(SignInAttemptResource? SignIn, MfaError? Error)> CompleteAsync(
        SignInRecord signIn, UserSnapshot user, ISecondFactorStrategy strategy, AttemptOutcome outcome, CancellationToken cancellationToken)
    {
        await budgets.RecordSuccessAsync(signIn.UserId, cancellationToken);
        var now = time.GetUtcNow();
        var session = await sessions.CreateAsync(signIn.UserId, ["pwd", strategy.AuthenticationMethod], signIn.CreatedAt, now, cancellationToken);
        var (completed, refusal) = await transitions.ApplyAsync(signIn, SignInEvent.SecondFactorVerified, s => s with
        {
            CreatedSessionId = session.SessionId,
            SecondFactor = outcome.Verification ?? new SecondFactorState(strategy.Strategy, "verified"),
        }, cancellationToken);

        switch (refusal)
        {
            case SignInRefusal.None:
                break;
            case SignInRefusal.AlreadyCompleted:
                return (null, MfaErrors.SignInAlreadyCompleted);
            case SignInRefusal.Expired:
                return (null, MfaErrors.SignInExpired);
            default:
                return (null, MfaErrors.SignInAbandoned);
        }

        var data = new Dictionary<string, string>(outcome.EventData ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            ["strategy"] = strategy.Strategy,
            ["sign_in_id"] = signIn.Id,
            ["session_id"] = session.SessionId,
        };
        await events.RecordAsync(signIn.UserId, SecurityEventTypes.SecondFactorSucceeded, data, cancellationToken);
        return (SignInAttemptResource.From(completed, user, now) with { SessionToken = session.Token }, null);
    }
}
