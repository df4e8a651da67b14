using Azure.Data.Tables;
using FunctionsMfa.Functions.Users;
using FunctionsMfa.Domain.Phone;
using FunctionsMfa.Functions.Crypto;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.Functions.Sms;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.PhoneNumbers;

/// <summary>
/// <c>POST /v1/me/phone_numbers/{id}/attempt_verification {code}</c>. Every outcome that changes state (a wrong try,
/// the success that consumes the code, with its audit event) is one transaction If-Match on the row that was read; a
/// conflict re-reads and decides again, so of many concurrent attempts with one code exactly one succeeds.
/// </summary>
/// <remarks>
/// Round trips: 1 (the transaction; the partition came with the session check), + 1 read and 1 write per lost race.
/// </remarks>
[CalledBy(Caller.Session)]
[Form("code", Required = ["code"])]
internal sealed class AttemptPhoneNumberVerification(
    UserStore users,
    KeyedHash keyedHash,
    SecurityEventLog events,
    IOptions<SmsOptions> options,
    TimeProvider time)
{
    [Function(nameof(AttemptPhoneNumberVerification))]
    public async Task<Results<Ok<PhoneNumberResource>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/me/phone_numbers/{id}/attempt_verification")] HttpRequest request, string id, CancellationToken cancellationToken)
    {
        var session = request.Session();

        var form = request.Form();

        if (form.Require("code", out var code) is { } missing)
        {
            return missing.Result();
        }

        if (!PhoneCodes.IsWellFormed(code))
        {
            return MfaErrors.FormParamFormatInvalid("code").Result();
        }

        var policy = options.Value.CodePolicy;
        return await Storage.Contention.RetryAsync<Results<Ok<PhoneNumberResource>, ErrorResult>>("phone number", async attempt =>
        {
            var user = attempt == 0 ? session.User : await users.LoadAsync(session.UserId, cancellationToken);
            if (PhoneNumberStore.Find(user, id) is not { } phone)
            {
                return MfaErrors.ResourceNotFound.Result();
            }

            var now = time.GetUtcNow();
            var expireAt = phone.Verification.ExpireAt ?? now;
            var (outcome, state) = phone.Verification.Attempt(now, hash => keyedHash.Matches(PhoneNumberRecord.CodePurpose(phone.Id, expireAt), code, hash), policy);
            switch (outcome)
            {
                case PhoneAttemptOutcome.AlreadyVerified:
                    return MfaErrors.PhoneAlreadyVerified.Result();
                case PhoneAttemptOutcome.NoCode:
                    return MfaErrors.PhoneVerificationMissing.Result();
                case PhoneAttemptOutcome.Expired:
                    return MfaErrors.PhoneVerificationExpired.Result();
                case PhoneAttemptOutcome.Failed when ReferenceEquals(state, phone.Verification):
                    return MfaErrors.PhoneVerificationFailed.Result();
            }

            var written = phone with { Verification = state, UpdatedAt = now };
            List<TableTransactionAction> actions = [PhoneNumberStore.Write(written)];
            if (outcome == PhoneAttemptOutcome.Verified)
            {
                actions.Add(events.Record(session.UserId, SecurityEventTypes.PhoneVerified, new Dictionary<string, string> { ["phone_number_id"] = phone.Id }));
            }

            if (!await users.TryCommitAsync(actions, cancellationToken))
            {
                return null;
            }

            switch (outcome)
            {
                case PhoneAttemptOutcome.Verified:
                    return TypedResults.Ok(PhoneNumberResource.From(written, now, policy));
                case PhoneAttemptOutcome.Failed:
                    return MfaErrors.PhoneVerificationFailed.Result();
                default:
                    return MfaErrors.PhoneCodeIncorrect(state.AttemptsRemaining(policy)).Result();
            }
        });
    }
}
