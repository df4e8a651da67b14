using System.Security.Cryptography;
using FunctionsMfa.Domain.Totp;
using FunctionsMfa.Functions.Auth;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.Functions.Users;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Totp;

/// <summary>
/// A fresh secret, shown once with its <c>otpauth</c> URI and QR code. Replaces an unverified secret; refused when a
/// verified one exists. Step-up when the user already has a second factor.
/// Round trips: 1 (the transaction of the row, insert-if-absent or If-Match replace, and its audit event; the partition
/// came with the session check).
/// </summary>
[CalledBy(Caller.Session)]
[Form]
internal sealed class CreateTotp(
    UserStore users,
    TotpStore store,
    TotpAlgorithm algorithm,
    StepUp stepUp,
    SecurityEventLog events,
    IOptions<MfaOptions> options,
    TimeProvider time)
{
    [Function(nameof(CreateTotp))]
    public async Task<Results<Ok<TotpResource>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/me/totp")] HttpRequest request, CancellationToken cancellationToken)
    {
        var session = request.Session();

        return await Storage.Contention.RetryAsync<Results<Ok<TotpResource>, ErrorResult>>("TOTP secret", async attempt =>
        {
            var user = attempt == 0 ? session.User : await users.LoadAsync(session.UserId, cancellationToken);
            if (stepUp.Check(session, user.Factors.TwoFactorEnabled) is { } stepUpError)
            {
                return stepUpError.Result();
            }

            var existing = TotpStore.Find(user);
            if (existing?.Record.Verified == true)
            {
                return MfaErrors.TotpAlreadyEnabled.Result();
            }

            var secret = algorithm.NewSecret();
            try
            {
                var record = store.Create(session.UserId, secret, time.GetUtcNow());
                var enrolled = events.Record(session.UserId, SecurityEventTypes.TotpEnrolled, new Dictionary<string, string> { ["totp_id"] = record.Id });
                if (!await users.TryCommitAsync([TotpStore.Write(session.UserId, record, existing?.ETag), enrolled], cancellationToken))
                {
                    return null;
                }

                var base32 = TotpAlgorithm.EncodeSecret(secret);
                var uri = algorithm.BuildUri(options.Value.Issuer, UserStore.Label(user), base32);
                return TypedResults.Ok(TotpResource.From(record) with { Secret = base32, Uri = uri, QrCode = TotpQrCode.DataUri(uri) });
            }
            finally
            {
                CryptographicOperations.ZeroMemory(secret);
            }
        });
    }
}
