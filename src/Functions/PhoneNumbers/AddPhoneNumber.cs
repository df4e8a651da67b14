using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.Functions.Sms;
using FunctionsMfa.Functions.Users;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.PhoneNumbers;

/// <summary>
/// <c>POST /v1/me/phone_numbers {phone_number}</c>: adds an unverified number, parsed to E.164, if its country and line
/// type may receive codes and the user holds fewer than <c>Mfa:Sms:MaxPhoneNumbersPerUser</c> numbers.
/// </summary>
/// <remarks>
/// Round trips: 1 (the transaction of the row, the <c>phoneset</c> write and the audit event; the partition came with
/// the session check). The cap is judged on the snapshot and committed If-Match on it, so concurrent adds
/// cannot pass it together: the loser reads again and is judged again.
/// </remarks>
[CalledBy(Caller.Session)]
[Form("phone_number", Required = ["phone_number"])]
internal sealed class AddPhoneNumber(
    UserStore users,
    PhoneNumberStore phones,
    SmsDestinations destinations,
    SecurityEventLog events,
    IOptions<SmsOptions> options,
    TimeProvider time)
{
    [Function(nameof(AddPhoneNumber))]
    public async Task<Results<Ok<PhoneNumberResource>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/me/phone_numbers")] HttpRequest request, CancellationToken cancellationToken)
    {
        var session = request.Session();

        var form = request.Form();

        if (form.Require("phone_number", out var input) is { } missing)
        {
            return missing.Result();
        }

        if (PhoneNumberRules.Parse(input) is not { } facts)
        {
            return MfaErrors.FormParamFormatInvalid("phone_number").Result();
        }

        if (destinations.Check(facts) is { } refused)
        {
            return refused.Result();
        }

        var now = time.GetUtcNow();
        var phone = new PhoneNumberRecord
        {
            Id = phones.IdFor(session.UserId, facts.E164),
            UserId = session.UserId,
            PhoneNumber = facts.E164,
            CreatedAt = now,
            UpdatedAt = now,
        };
        return await Storage.Contention.RetryAsync<Results<Ok<PhoneNumberResource>, ErrorResult>>("phone number set", async attempt =>
        {
            var user = attempt == 0 ? session.User : await users.LoadAsync(session.UserId, cancellationToken);
            if (PhoneNumberStore.Find(user, phone.Id) is not null)
            {
                return MfaErrors.PhoneNumberExists.Result();
            }

            if (user.Phones.Count >= options.Value.MaxPhoneNumbersPerUser)
            {
                return MfaErrors.PhoneNumberLimitReached.Result();
            }

            var added = events.Record(session.UserId, SecurityEventTypes.PhoneAdded, new Dictionary<string, string> { ["phone_number_id"] = phone.Id });
            if (!await phones.TryAddAsync(user, phone, added, cancellationToken))
            {
                return null;
            }

            return TypedResults.Ok(PhoneNumberResource.From(phone, now, options.Value.CodePolicy));
                });
    }
}
