using System.Security.Cryptography;
using FunctionsMfa.Domain.Totp;

namespace FunctionsMfa.Functions.Totp;

/// <summary>The outcome of checking a TOTP code.</summary>
internal enum TotpCheck
{
    /// <summary>The code was right and its time step is now used up.</summary>
    Accepted,

    /// <summary>Well formed but wrong, outside the window, or from a step already used (a replay).</summary>
    Incorrect,

    /// <summary>Not exactly the configured number of ASCII digits; nothing was read or written.</summary>
    FormatInvalid,

    /// <summary>The user has no verified TOTP (none, or one still awaiting its enrolment code).</summary>
    NotEnabled,
}

/// <summary>
/// Checks a code against a user's TOTP secret and consumes its time step: the one place codes are accepted, used by
/// enrolment (<c>attempt_verification</c>) and by sign-in (<c>strategy: totp</c>). Accepting advances the stored last
/// step with an If-Match write; when a concurrent request wrote first (412), the record is read again and the code
/// judged again, so of two requests with one code exactly one wins.
/// </summary>
internal sealed partial class TotpVerifier(TotpStore store, TotpAlgorithm algorithm, TimeProvider time, ILogger<TotpVerifier> logger)
{
    // Each lost race means another request advanced LastStep inside the window, so a code can lose at most a few times.
    private const int MaxAttempts = 8;

    /// <summary>
    /// For sign-in: checks <paramref name="code"/> against the user's verified secret and, when right, consumes its step.
    /// Round trips: 1 read, plus 1 conditional write when the code is right (plus 1 read and write per lost race).
    /// </summary>
    public async Task<TotpCheck> VerifyAndConsumeAsync(string userId, string code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        if (!algorithm.IsWellFormed(code))
        {
            return TotpCheck.FormatInvalid;
        }

        var stored = await store.FindAsync(userId, cancellationToken);
        if (stored is not { Record.Verified: true })
        {
            return TotpCheck.NotEnabled;
        }

        var (check, _) = await ConsumeAsync(userId, stored, code, static record => record.Verified, cancellationToken);
        return check;
    }

    /// <summary>
    /// Judges <paramref name="code"/> against <paramref name="stored"/> and, when right, writes the record back verified with
    /// its last step advanced. After a lost race the fresh record is judged only while <paramref name="stillEligible"/>
    /// holds (enrolment: the same secret, still unverified; sign-in: still verified), else the code is refused.
    /// </summary>
    internal async Task<(TotpCheck Check, StoredTotp? Written)> ConsumeAsync(
        string userId, StoredTotp stored, string code, Func<TotpRecord, bool> stillEligible, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(stillEligible);
        if (!algorithm.IsWellFormed(code))
        {
            return (TotpCheck.FormatInvalid, null);
        }

        var current = stored;
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var secret = store.OpenSecret(userId, current.Record);
            if (secret is null)
            {
                // A removed key or a corrupted row: an operations problem, never the caller's. Fail loudly.
                LogSecretUnreadable(logger, current.Record.Id, current.Record.KeyId);
                throw new InvalidOperationException($"The TOTP secret {current.Record.Id} does not open with the configured keys.");
            }

            try
            {
                var now = time.GetUtcNow();
                if (algorithm.FindStep(secret, code, now, current.Record.LastStep) is not { } step)
                {
                    return (TotpCheck.Incorrect, null);
                }

                var updated = store.Refreshed(userId, current.Record, secret) with { Verified = true, LastStep = step, UpdatedAt = now };
                if (await store.TryReplaceAsync(userId, updated, current.ETag, cancellationToken))
                {
                    return (TotpCheck.Accepted, new StoredTotp(updated, default));
                }
            }
            finally
            {
                CryptographicOperations.ZeroMemory(secret);
            }

            LogLostRace(logger, current.Record.Id);
            var fresh = await store.FindAsync(userId, cancellationToken);
            if (fresh is null)
            {
                return (TotpCheck.NotEnabled, null);
            }

            if (!stillEligible(fresh.Record))
            {
                return (TotpCheck.Incorrect, null);
            }

            current = fresh;
        }

        throw new InvalidOperationException($"The TOTP record {current.Record.Id} kept changing under a verification.");
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "TOTP record {TotpId} is sealed under key {KeyId}, which does not open it")]
    private static partial void LogSecretUnreadable(ILogger logger, string totpId, string keyId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "TOTP record {TotpId} changed during a verification; judging the code again")]
    private static partial void LogLostRace(ILogger logger, string totpId);
}
