namespace FunctionsMfa.Domain.SignIns;

/// <summary>What can happen to a sign-in that waits for its second factor.</summary>
public enum SignInEvent
{
    /// <summary>A second factor was verified.</summary>
    SecondFactorVerified,

    /// <summary>An attempt or a preparation arrived at or after <c>abandon_at</c>.</summary>
    Expired,

    /// <summary>The user's failure budget is spent: the sign-in that met the lock ends.</summary>
    LockedOut,
}

/// <summary>Why a sign-in refuses an event. <see cref="None"/> means it accepts it.</summary>
public enum SignInRefusal
{
    None,
    AlreadyCompleted,
    Expired,
    Abandoned,
}

/// <summary>The outcome of one event: the status it leads to, or why it was refused. Never "nothing happened".</summary>
public readonly record struct SignInTransition(SignInStatus From, SignInEvent Event, SignInStatus? To, SignInRefusal Refusal)
{
    public bool IsAllowed => To is not null;
}

/// <summary>
/// The sign-in's states and transitions, in one table:
/// <code>
/// needs_second_factor --SecondFactorVerified--> complete
/// needs_second_factor --Expired-------------->  abandoned
/// needs_second_factor --LockedOut------------>  abandoned
/// complete  --any--> refused (AlreadyCompleted)
/// abandoned --any--> refused (Expired when past abandon_at, else Abandoned)
/// </code>
/// A sign-in expires at <c>abandon_at</c> exactly: one tick before it, it still accepts attempts.
/// </summary>
public static class SignInStateMachine
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    public static bool IsExpired(DateTimeOffset abandonAt, DateTimeOffset now) => now >= abandonAt;

    /// <summary>The status a reader sees now: a waiting sign-in past its <c>abandon_at</c> reads as abandoned, stored or not.</summary>
    public static SignInStatus Observe(SignInStatus stored, DateTimeOffset abandonAt, DateTimeOffset now) =>
        stored == SignInStatus.NeedsSecondFactor && IsExpired(abandonAt, now) ? SignInStatus.Abandoned : stored;

    /// <summary>Whether a second-factor attempt or preparation may proceed now, and if not, why.</summary>
    public static SignInRefusal Admit(SignInStatus stored, DateTimeOffset abandonAt, DateTimeOffset now) => stored switch
    {
        SignInStatus.Complete => SignInRefusal.AlreadyCompleted,
        SignInStatus.Abandoned => IsExpired(abandonAt, now) ? SignInRefusal.Expired : SignInRefusal.Abandoned,
        SignInStatus.NeedsSecondFactor => IsExpired(abandonAt, now) ? SignInRefusal.Expired : SignInRefusal.None,
        _ => throw new ArgumentOutOfRangeException(nameof(stored)),
    };

    /// <summary>Applies <paramref name="signInEvent"/> to a sign-in in <paramref name="from"/>.</summary>
    public static SignInTransition Apply(SignInStatus from, SignInEvent signInEvent, DateTimeOffset abandonAt, DateTimeOffset now) =>
        (from, signInEvent) switch
        {
            (SignInStatus.NeedsSecondFactor, SignInEvent.SecondFactorVerified) when IsExpired(abandonAt, now) =>
                new(from, signInEvent, null, SignInRefusal.Expired),
            (SignInStatus.NeedsSecondFactor, SignInEvent.SecondFactorVerified) => new(from, signInEvent, SignInStatus.Complete, SignInRefusal.None),
            (SignInStatus.NeedsSecondFactor, SignInEvent.Expired) => new(from, signInEvent, SignInStatus.Abandoned, SignInRefusal.None),
            (SignInStatus.NeedsSecondFactor, SignInEvent.LockedOut) => new(from, signInEvent, SignInStatus.Abandoned, SignInRefusal.None),
            (SignInStatus.Complete, _) => new(from, signInEvent, null, SignInRefusal.AlreadyCompleted),
            (SignInStatus.Abandoned, _) => new(from, signInEvent, null, IsExpired(abandonAt, now) ? SignInRefusal.Expired : SignInRefusal.Abandoned),
            _ => throw new ArgumentOutOfRangeException(nameof(from)),
        };
}
