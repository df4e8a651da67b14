namespace FunctionsMfa.Domain.Phone;

/// <summary>The rules for one phone-code verification: how long a code lives and how many wrong tries end it.</summary>
public sealed record PhoneCodePolicy
{
    public TimeSpan CodeLifetime { get; init; } = TimeSpan.FromMinutes(10);

    public int MaxAttempts { get; init; } = 3;
}

/// <summary>Clerk's verification statuses, plus <see cref="None"/> before any code was sent.</summary>
public enum PhoneVerificationStatus
{
    None,
    Unverified,
    Verified,
    Failed,
    Expired,
}

/// <summary>What an attempt came to. Only <see cref="Verified"/> and <see cref="Incorrect"/> (and the try that ends it as <see cref="Failed"/>) change state.</summary>
public enum PhoneAttemptOutcome
{
    Verified,
    Incorrect,
    Failed,
    Expired,
    NoCode,
    AlreadyVerified,
}

public enum PhonePrepareOutcome
{
    Prepared,
    Failed,
    AlreadyVerified,
}

/// <summary>
/// The state of one SMS-code verification: the current code's keyed hash and expiry, the wrong tries, and whether it
/// succeeded. Plain data with explicit transitions; the caller stores it with a conditional write.
/// A new code replaces the previous one (only one hash is kept) and keeps the wrong tries: asking for another SMS
/// never buys more guesses. Once <see cref="PhoneCodePolicy.MaxAttempts"/> wrong tries are spent the verification
/// has failed for good.
/// </summary>
public sealed record PhoneCodeVerification(byte[]? CodeHash, DateTimeOffset? ExpireAt, int Attempts, bool Verified)
{
    public static PhoneCodeVerification Empty { get; } = new(null, null, 0, false);

    public PhoneVerificationStatus Status(DateTimeOffset now, PhoneCodePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (Verified)
        {
            return PhoneVerificationStatus.Verified;
        }

        if (Attempts >= policy.MaxAttempts)
        {
            return PhoneVerificationStatus.Failed;
        }

        if (CodeHash is null || ExpireAt is null)
        {
            return PhoneVerificationStatus.None;
        }

        // Valid while now < expire_at: at the exact expiry instant the code is dead.
        return now >= ExpireAt.Value ? PhoneVerificationStatus.Expired : PhoneVerificationStatus.Unverified;
    }

    /// <summary>A new code: its hash replaces the previous one; the wrong tries stay.</summary>
    public (PhonePrepareOutcome Outcome, PhoneCodeVerification State) Prepare(DateTimeOffset now, byte[] newCodeHash, PhoneCodePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(newCodeHash);
        return Status(now, policy) switch
        {
            PhoneVerificationStatus.Verified => (PhonePrepareOutcome.AlreadyVerified, this),
            PhoneVerificationStatus.Failed => (PhonePrepareOutcome.Failed, this),
            _ => (PhonePrepareOutcome.Prepared, this with { CodeHash = newCodeHash, ExpireAt = now + policy.CodeLifetime }),
        };
    }

    /// <summary>
    /// Checks a well-formed code. <paramref name="matches"/> compares it with the stored hash in constant time. On
    /// success the hash is cleared, so the code cannot be used again.
    /// </summary>
    public (PhoneAttemptOutcome Outcome, PhoneCodeVerification State) Attempt(DateTimeOffset now, Func<byte[], bool> matches, PhoneCodePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(matches);
        ArgumentNullException.ThrowIfNull(policy);
        switch (Status(now, policy))
        {
            case PhoneVerificationStatus.Verified:
                return (PhoneAttemptOutcome.AlreadyVerified, this);
            case PhoneVerificationStatus.Failed:
                return (PhoneAttemptOutcome.Failed, this);
            case PhoneVerificationStatus.None:
                return (PhoneAttemptOutcome.NoCode, this);
            case PhoneVerificationStatus.Expired:
                return (PhoneAttemptOutcome.Expired, this);
        }

        if (matches(CodeHash!))
        {
            return (PhoneAttemptOutcome.Verified, this with { CodeHash = null, Verified = true });
        }

        var next = this with { Attempts = Attempts + 1 };
        if (next.Attempts >= policy.MaxAttempts)
        {
            // The try that spends the budget ends the verification; the code goes with it.
            return (PhoneAttemptOutcome.Failed, next with { CodeHash = null });
        }

        return (PhoneAttemptOutcome.Incorrect, next);
    }

    public int AttemptsRemaining(PhoneCodePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return Math.Max(0, policy.MaxAttempts - Attempts);
    }
}
