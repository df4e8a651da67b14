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
/// Round trips: 1 (row read) + 2 reads and 2 writes (SMS limits) + 1 (row write) + 1 (enqueue).
/// </remarks>
[CalledBy(Caller.Session)]
[Form("strategy")]
internal sealed class PreparePhoneNumberVerification(
    PhoneNumberStore phones,
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
        var phone = PhoneNumberRecord.IsWellFormedId(id) ? await phones.GetAsync(session.UserId, id, cancellationToken) : null;
        if (phone is null)
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        if (Refusal(phone.Verification.Status(time.GetUtcNow(), policy)) is { } early)
        {
            return early.Result();
        }

        if (await sms.AuthorizeAsync(session.UserId, phone.PhoneNumber, cancellationToken) is { } refused)
        {
            return refused.Result();
        }

        var code = PhoneCodes.Generate();
        return await Storage.Contention.RetryAsync<Results<Ok<PhoneNumberResource>, ErrorResult>>("phone number", async attempt =>
        {
            var now = time.GetUtcNow();
            var expireAt = now + policy.CodeLifetime;
            var hash = keyedHash.Compute(PhoneNumberRecord.CodePurpose(phone.Id, expireAt), code);
            var (outcome, state) = phone.Verification.Prepare(now, hash, policy);
            if (outcome != PhonePrepareOutcome.Prepared)
            {
                return (outcome == PhonePrepareOutcome.AlreadyVerified ? MfaErrors.PhoneAlreadyVerified : MfaErrors.PhoneVerificationFailed).Result();
            }

            var written = await phones.TryReplaceAsync(phone with { Verification = state, UpdatedAt = now }, cancellationToken);
            if (written is not null)
            {
                await sms.EnqueueAsync(session.UserId, phone.PhoneNumber, code, expireAt, sms.LanguageFor(context), SmsPurposes.PhoneVerification, cancellationToken);
                return TypedResults.Ok(PhoneNumberResource.From(written, now, policy));
            }

            phone = await phones.GetAsync(session.UserId, id, cancellationToken);
            if (phone is null)
            {
                return MfaErrors.ResourceNotFound.Result();
            }

            return null;
        });
    }

    private static MfaError? Refusal(PhoneVerificationStatus status) => status switch
    {
        PhoneVerificationStatus.Verified => MfaErrors.PhoneAlreadyVerified,
        PhoneVerificationStatus.Failed => MfaErrors.PhoneVerificationFailed,
        _ => null,
    };
}
