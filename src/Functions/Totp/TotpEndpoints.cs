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
    /// <summary>
    /// A fresh secret, shown once with its <c>otpauth</c> URI and QR code. Replaces an unverified secret; refused when a
    /// verified one exists. Step-up when the user already has a second factor.
    /// Round trips: 1 (insert-if-absent or If-Match replace; the partition came with the session check) + 1 (audit insert).
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

        for (var attempt = 0; attempt < Storage.Contention.MaxRounds; attempt++)
        {
            var user = attempt == 0 ? session.User : await users.LoadAsync(session.UserId, cancellationToken);
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

        return MfaErrors.ConcurrentRequestConflict.Result();
    }

    /// <summary>
    /// Checks the first code from the app, marks the secret verified and uses up that code's time step; a first set of
    /// backup codes comes back when the backup-code feature is present and the user has none. The secret's new state and
    /// the backup codes are one transaction (If-Match on the rows judged): the factor is never enabled without its codes,
    /// and a failed commit leaves the enrolment as it was, so the same request can simply be sent again.
    /// Round trips: 1 (the transaction; the partition came with the session check) + 1 (audit insert).
    /// </summary>
    internal static async Task<Results<Ok<TotpResource>, ErrorResult>> VerifyAsync(
        SessionPrincipal session, HttpContext context, TotpVerifier verifier, UserStore users,
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

        if (!verifier.IsWellFormed(code))
        {
            return MfaErrors.FormParamFormatInvalid("code").Result();
        }

        // Optional on purpose: the backup-code feature registers the issuer; without it there are simply none to show.
        var issuer = context.RequestServices.GetService<IBackupCodeIssuer>();
        for (var attempt = 0; attempt < Storage.Contention.MaxRounds; attempt++)
        {
            var user = attempt == 0 ? session.User : await users.LoadAsync(session.UserId, cancellationToken);
            if (user.Row(UserRows.Totp) is not { } row)
            {
                return MfaErrors.ResourceNotFound.Result();
            }

            var stored = StoredTotp.FromEntity(row);
            if (stored.Record.Verified)
            {
                // Not a second way to test codes: a verified secret is checked only by sign-in, which counts failures.
                return MfaErrors.TotpAlreadyEnabled.Result();
            }

            var judgement = verifier.Judge(session.UserId, stored, code);
            if (judgement.Check != TotpCheck.Accepted)
            {
                return MfaErrors.FormCodeIncorrect.Result();
            }

            var firstCodes = issuer?.PrepareIfNone(user);
            if (!await users.TryCommitAsync([judgement.Spend!, .. firstCodes?.Actions ?? []], cancellationToken))
            {
                // A concurrent request changed the secret or the codes: judge again against what is there now.
                continue;
            }

            await events.RecordAsync(session.UserId, SecurityEventTypes.TotpVerified, new Dictionary<string, string> { ["totp_id"] = stored.Record.Id }, cancellationToken);
            return TypedResults.Ok(TotpResource.From(judgement.Updated!, firstCodes?.Issued.Codes));
        }

        return MfaErrors.ConcurrentRequestConflict.Result();
    }

    /// <summary>
    /// Removes the secret; when no other second factor is left, the backup codes go in the same entity-group transaction.
    /// Step-up when the TOTP (or another factor) is enabled.
    /// Round trips: 1 (If-Match delete or transaction; the partition came with the session check) + 1 (audit insert).
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

        for (var attempt = 0; attempt < Storage.Contention.MaxRounds; attempt++)
        {
            var user = attempt == 0 ? session.User : await users.LoadAsync(session.UserId, cancellationToken);
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
            // A removed authenticator ends the user's other sessions in the same transaction: one of them may be why.
            var endOthers = row.GetBoolean("Verified") == true ? SessionStore.EndOthersActions(user, session.SessionId) : [];
            if (!await store.TryDeleteAsync(session.UserId, row.ETag, backupRows, endOthers, cancellationToken))
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

        return MfaErrors.ConcurrentRequestConflict.Result();
    }
}
