namespace FunctionsMfa.Domain.SignIns;

/// <summary>How many consecutive second-factor failures a user may have, and how long the lock that follows lasts.</summary>
public sealed record FailureBudgetPolicy(int MaxFailures, TimeSpan LockoutDuration)
{
    public static FailureBudgetPolicy Default { get; } = new(10, TimeSpan.FromHours(1));
}

/// <summary>
/// One user's failure budget across every strategy and every sign-in: the consecutive failures so far and the end of a
/// lock. A lock that has run out leaves a fresh budget.
/// </summary>
public readonly record struct FailureBudget(int Failures, DateTimeOffset? LockedUntil)
{
    public static FailureBudget Fresh => new(0, null);

    public bool IsLocked(DateTimeOffset now) => LockedUntil is { } until && until > now;

    /// <summary>Whole seconds until the lock ends, rounded up; 0 when not locked.</summary>
    public int LockSecondsRemaining(DateTimeOffset now) =>
        IsLocked(now) ? (int)Math.Ceiling((LockedUntil!.Value - now).TotalSeconds) : 0;

    /// <summary>The budget as it stands now: an expired lock is forgotten.</summary>
    public FailureBudget Current(DateTimeOffset now) => LockedUntil is not null && !IsLocked(now) ? Fresh : this;

    public int AttemptsRemaining(FailureBudgetPolicy policy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var current = Current(now);
        return current.IsLocked(now) ? 0 : Math.Max(0, policy.MaxFailures - current.Failures);
    }

    /// <summary>One more failure. The one that spends the budget starts the lock; failures while locked change nothing.</summary>
    public FailureBudget AfterFailure(FailureBudgetPolicy policy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (IsLocked(now))
        {
            return this;
        }

        var failures = Current(now).Failures + 1;
        return failures >= policy.MaxFailures ? new FailureBudget(failures, now + policy.LockoutDuration) : new FailureBudget(failures, null);
    }

    /// <summary>A success resets the count; it never lifts a lock (only time or the backend's unlock does).</summary>
    public FailureBudget AfterSuccess(DateTimeOffset now) => IsLocked(now) ? this : Fresh;
}
