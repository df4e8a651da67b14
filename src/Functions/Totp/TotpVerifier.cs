using System.Security.Cryptography;
using Azure.Data.Tables;
using FunctionsMfa.Domain.Totp;

namespace FunctionsMfa.Functions.Totp;

/// <summary>The outcome of checking a TOTP code.</summary>
internal enum TotpCheck
{
    /// <summary>The code was right; committing <see cref="TotpJudgement.Spend"/> uses up its time step.</summary>
    Accepted,

    /// <summary>Well formed but wrong, outside the window, or from a step already used (a replay).</summary>
    Incorrect,

    /// <summary>Not exactly the configured number of ASCII digits; nothing was read or written.</summary>
    FormatInvalid,

    /// <summary>The user has no TOTP in the state the caller needs.</summary>
    NotEnabled,
}

/// <summary>
/// A judged code. <see cref="Spend"/>, for an accepted code, is the If-Match replace of the <c>totp</c> row with its last
/// step advanced (and the secret re-sealed under the newest key): the caller commits it in the same transaction as
/// everything else the success changes, so the step is used up exactly when the success is.
/// </summary>
internal sealed record TotpJudgement(TotpCheck Check, TotpRecord? Updated, TableTransactionAction? Spend);

/// <summary>
/// Checks a code against a user's TOTP secret: the one place codes are accepted, used by enrolment
/// (<c>attempt_verification</c>) and by sign-in (<c>strategy: totp</c>). It reads and writes nothing: the caller
/// judges against the row it read and commits the spend conditionally on that row's ETag, so of two requests with
/// one code exactly one commits (the other's If-Match fails, it reads again and the step is then used).
/// </summary>
internal sealed partial class TotpVerifier(TotpStore store, TotpAlgorithm algorithm, TimeProvider time, ILogger<TotpVerifier> logger)
{
    public bool IsWellFormed(string code) => algorithm.IsWellFormed(code);

    public TotpJudgement Judge(string userId, StoredTotp stored, string code)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (!algorithm.IsWellFormed(code))
        {
            return new TotpJudgement(TotpCheck.FormatInvalid, null, null);
        }

        var secret = store.OpenSecret(userId, stored.Record);
        if (secret is null)
        {
            // A removed key or a corrupted row: an operations problem, never the caller's. Fail loudly.
            LogSecretUnreadable(logger, stored.Record.Id, stored.Record.KeyId);
            throw new InvalidOperationException($"The TOTP secret {stored.Record.Id} does not open with the configured keys.");
        }

        try
        {
            var now = time.GetUtcNow();
            if (algorithm.FindStep(secret, code, now, stored.Record.LastStep) is not { } step)
            {
                return new TotpJudgement(TotpCheck.Incorrect, null, null);
            }

            var updated = store.Refreshed(userId, stored.Record, secret) with { Verified = true, LastStep = step, UpdatedAt = now };
            return new TotpJudgement(TotpCheck.Accepted, updated,
                new TableTransactionAction(TableTransactionActionType.UpdateReplace, updated.ToEntity(userId), stored.ETag));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "TOTP record {TotpId} is sealed under key {KeyId}, which does not open it")]
    private static partial void LogSecretUnreadable(ILogger logger, string totpId, string keyId);
}
