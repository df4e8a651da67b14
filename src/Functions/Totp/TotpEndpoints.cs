using System.Globalization;
using System.Security.Cryptography;
using Azure.Data.Tables;
using FunctionsMfa.Domain.Totp;
using FunctionsMfa.Functions.Auth;
using FunctionsMfa.Functions.BackupCodes;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.Functions.Users;
using FunctionsMfa.Functions.Wire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Totp;

/// <summary>The signed-in user's authenticator app: Clerk's <c>createTOTP</c>, <c>verifyTOTP</c> and <c>disableTOTP</c>.</summary>
internal static class TotpEndpoints
{
    // Conflicting writes come only from the same user's concurrent requests; after this many the caller is told to retry.
    private const int MaxWriteAttempts = 5;

    /// <summary>
    /// A fresh secret, shown once with its <c>otpauth</c> URI and QR code. Replaces an unverified secret; refused when a
    /// verified one exists. Step-up when the user already has a second factor.
    /// Round trips: 1 (user partition query) + 1 (insert-if-absent or If-Match replace) + 1 (audit insert).
    /// </summary>
    internal static async Task<Results<Ok<TotpResource>, ErrorResult>> CreateAsync(
        SessionPrincipal session, HttpContext context, UserStore users, TotpStore store, TotpAlgorithm algorithm, StepUp stepUp,
        SecurityEventLog events, IOptions<MfaOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var (form, error) = await RequestForm.ReadAsync(context);
        if (form is null)
        {
            return error!.Result();
        }

        for (var attempt = 0; attempt < MaxWriteAttempts; attempt++)
        {
            var user = await users.LoadAsync(session.UserId, cancellationToken);
            if (stepUp.Check(session, UserFactors.From(user).TwoFactorEnabled) is { } stepUpError)
            {
                return stepUpError.Result();
            }

            var existing = user.Row(UserRows.Totp);
            if (existing?.GetBoolean("Verified") == true)
            {
                return MfaErrors.TotpAlreadyEnabled.Result();
            }

            var secret = algorithm.NewSecret();
            try
            {
                var record = store.Create(session.UserId, secret, time.GetUtcNow());
                var written = existing is null
                    ? await store.TryInsertAsync(session.UserId, record, cancellationToken)
                    : await store.TryReplaceAsync(session.UserId, record, existing.ETag, cancellationToken);
                if (!written)
                {
                    continue;
                }

                await events.RecordAsync(session.UserId, SecurityEventTypes.TotpEnrolled, new Dictionary<string, string> { ["totp_id"] = record.Id }, cancellationToken);
                var base32 = TotpAlgorithm.EncodeSecret(secret);
                var uri = algorithm.BuildUri(options.Value.Issuer, UserStore.Label(user), base32);
                return TypedResults.Ok(TotpResource.From(record) with { Secret = base32, Uri = uri, QrCode = TotpQrCode.DataUri(uri) });
            }
            finally
            {
                CryptographicOperations.ZeroMemory(secret);
            }
        }

        return MfaErrors.TooManyRequests.Result();
    }

    /// <summary>
    /// Checks the first code from the app, marks the secret verified and uses up that code's time step; a first set of
    /// backup codes comes back when the backup-code feature is present and the user has none.
    /// Round trips: 1 (point read) + 1 (If-Match replace) + 1 (audit insert) + the backup-code issuer's.
    /// </summary>
    internal static async Task<Results<Ok<TotpResource>, ErrorResult>> VerifyAsync(
        SessionPrincipal session, HttpContext context, TotpStore store, TotpAlgorithm algorithm, TotpVerifier verifier,
        SecurityEventLog events, CancellationToken cancellationToken)
    {
        var (form, error) = await RequestForm.ReadAsync(context, "code");
        if (form is null)
        {
            return error!.Result();
        }

        if (form.Require("code", out var code) is { } missing)
        {
            return missing.Result();
        }

        if (!algorithm.IsWellFormed(code))
        {
            return MfaErrors.FormParamFormatInvalid("code").Result();
        }

        var stored = await store.FindAsync(session.UserId, cancellationToken);
        if (stored is null)
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        if (stored.Record.Verified)
        {
            // Not a second way to test codes: a verified secret is checked only by sign-in, which counts failures.
            return MfaErrors.TotpAlreadyEnabled.Result();
        }

        var enrolling = stored.Record.Id;
        var (check, written) = await verifier.ConsumeAsync(
            session.UserId, stored, code, record => record.Id == enrolling && !record.Verified, cancellationToken);
        switch (check)
        {
            case TotpCheck.Accepted:
                break;
            case TotpCheck.NotEnabled:
                return MfaErrors.ResourceNotFound.Result();
            case TotpCheck.FormatInvalid:
                return MfaErrors.FormParamFormatInvalid("code").Result();
            default:
                return MfaErrors.FormCodeIncorrect.Result();
        }

        await events.RecordAsync(session.UserId, SecurityEventTypes.TotpVerified, new Dictionary<string, string> { ["totp_id"] = enrolling }, cancellationToken);
        // Optional on purpose: the backup-code feature registers the issuer; without it there are simply none to show.
        var issuer = context.RequestServices.GetService<IBackupCodeIssuer>();
        var backupCodes = issuer is null ? null : await issuer.IssueIfNoneAsync(session.UserId, cancellationToken);
        return TypedResults.Ok(TotpResource.From(written!.Record, backupCodes));
    }

    /// <summary>
    /// Removes the secret; when no other second factor is left, the backup codes go in the same entity-group transaction.
    /// Step-up when the TOTP (or another factor) is enabled.
    /// Round trips: 1 (user partition query) + 1 (If-Match delete or transaction) + 1 (audit insert).
    /// </summary>
    internal static async Task<Results<Ok<DeletedTotpResource>, ErrorResult>> DeleteAsync(
        SessionPrincipal session, HttpContext context, UserStore users, TotpStore store, StepUp stepUp, SecurityEventLog events,
        CancellationToken cancellationToken)
    {
        var (form, error) = await RequestForm.ReadAsync(context);
        if (form is null)
        {
            return error!.Result();
        }

        for (var attempt = 0; attempt < MaxWriteAttempts; attempt++)
        {
            var user = await users.LoadAsync(session.UserId, cancellationToken);
            if (user.Row(UserRows.Totp) is not { } row)
            {
                return MfaErrors.ResourceNotFound.Result();
            }

            var factors = UserFactors.From(user);
            if (stepUp.Check(session, factors.TwoFactorEnabled) is { } stepUpError)
            {
                return stepUpError.Result();
            }

            // Backup codes are a fallback for a factor, not one of their own: with no factor left they would be dead
            // weight that could still satisfy a future second-factor check.
            IReadOnlyList<TableEntity> backupRows = factors.SecondFactorPhoneIds.Count > 0
                ? []
                : [.. user.Rows.Values.Where(r => r.RowKey == UserRows.BackupCodeSet || r.RowKey.StartsWith(UserRows.BackupCodePrefix, StringComparison.Ordinal))];
            if (!await store.TryDeleteAsync(session.UserId, row.ETag, backupRows, cancellationToken))
            {
                continue;
            }

            var id = row.GetString("Id") ?? string.Empty;
            await events.RecordAsync(
                session.UserId,
                SecurityEventTypes.TotpDeleted,
                new Dictionary<string, string>
                {
                    ["totp_id"] = id,
                    ["backup_codes_removed"] = backupRows.Count(r => r.RowKey != UserRows.BackupCodeSet).ToString(CultureInfo.InvariantCulture),
                },
                cancellationToken);
            return TypedResults.Ok(new DeletedTotpResource(id));
        }

        return MfaErrors.TooManyRequests.Result();
    }
}
