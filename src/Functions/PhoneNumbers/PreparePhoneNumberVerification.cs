using FunctionsMfa.Functions.Users;
using FunctionsMfa.Domain.Phone;
using FunctionsMfa.Functions.Crypto;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.Functions.Sms;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.PhoneNumbers;

/// <summary>
/// <c>POST /v1/me/phone_numbers/{id}/prepare_verification [{strategy:"phone_code"}]</c>: a new code by SMS. The new
/// code replaces the previous one; the wrong tries so far stay.
/// </summary>
/// <remarks>
/// Round trips: 1 read and 1 write (the number's SMS limit) + 1 (the transaction of the row and the user's SMS log;
/// the partition came with the session check) + 1 (enqueue, once the code is stored).
/// </remarks>
[CalledBy(Caller.Session)]
[Form("strategy")]
internal sealed class PreparePhoneNumberVerification(
    UserStore users,
    SmsCodeDispatch sms,
    KeyedHash keyedHash,
    IOptions<SmsOptions> options,
    TimeProvider time)
{
    [Function(nameof(PreparePhoneNumberVerification))]
    public async Task<Results<Ok<PhoneNumberResource>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/me/phone_numbers/{id}/prepare_verification")] HttpRequest request, string id, CancellationToken cancellationToken)
    {
        var context = request.HttpContext;
        var session = request.Session();

        var form = request.Form();

        if (form.Has("strategy") && form.Get("strategy") != "phone_code")
        {
            return MfaErrors.FormParamValueInvalid("strategy").Result();
        }

        var policy = options.Value.CodePolicy;
        var user = session.User;
        if (PhoneNumberStore.Find(user, id) is not { } phone)
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        if (Refusal(phone.Verification.Status(time.GetUtcNow(), policy)) is { } early)
        {
            return early.Result();
        }

        var authorization = await sms.AuthorizeAsync(user, phone.PhoneNumber, cancellationToken);
        if (authorization.Refusal is { } refused)
        {
            return refused.Result();
        }

        var code = PhoneCodes.Generate();
        return await Storage.Contention.RetryAsync<Results<Ok<PhoneNumberResource>, ErrorResult>>("phone number", async attempt =>
        {
            if (attempt > 0)
            {
                // A concurrent change to the number or to the user's SMS log: decide again on what is there now.
                user = await users.LoadAsync(session.UserId, cancellationToken);
                phone = PhoneNumberStore.Find(user, id);
                if (phone is null)
                {
                    return MfaErrors.ResourceNotFound.Result();
                }

                authorization = sms.Reauthorize(user);
                if (authorization.Refusal is { } refusedNow)
                {
                    return refusedNow.Result();
                }
            }

            var now = time.GetUtcNow();
            var expireAt = now + policy.CodeLifetime;
            var hash = keyedHash.Compute(PhoneNumberRecord.CodePurpose(phone.Id, expireAt), code);
            var (outcome, state) = phone.Verification.Prepare(now, hash, policy);
            if (outcome != PhonePrepareOutcome.Prepared)
            {
                return (outcome == PhonePrepareOutcome.AlreadyVerified ? MfaErrors.PhoneAlreadyVerified : MfaErrors.PhoneVerificationFailed).Result();
            }

            var written = phone with { Verification = state, UpdatedAt = now };
            if (!await users.TryCommitAsync([PhoneNumberStore.Write(written), authorization.UserLog!], cancellationToken))
            {
                return null;
            }

            await sms.EnqueueAsync(session.UserId, phone.PhoneNumber, code, expireAt, sms.LanguageFor(context), SmsPurposes.PhoneVerification, cancellationToken);
            return TypedResults.Ok(PhoneNumberResource.From(written, now, policy));
        });
    }

    private static MfaError? Refusal(PhoneVerificationStatus status) => status switch
    {
        PhoneVerificationStatus.Verified => MfaErrors.PhoneAlreadyVerified,
        PhoneVerificationStatus.Failed => MfaErrors.PhoneVerificationFailed,
        _ => null,
    };
}
