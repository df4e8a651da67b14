using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.Functions.Sms;
using FunctionsMfa.Functions.Wire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.PhoneNumbers;

/// <summary>
/// <c>POST /v1/me/phone_numbers {phone_number}</c>: adds an unverified number, parsed to E.164, if its country and line
/// type may receive codes and the user holds fewer than <c>Mfa:Sms:MaxPhoneNumbersPerUser</c> numbers.
/// </summary>
internal static class AddPhoneNumber
{
    /// <summary>
    /// Round trips: 1 (insert-if-absent) + 1 (count of the user's numbers) + 1 (audit event); +1 delete when over the cap.
    /// The count follows the insert, so concurrent adds cannot pass the cap together: each sees the others' rows, and
    /// one that finds the user over the cap takes its own row back (at the cap's edge two racing adds may both lose;
    /// a retry then succeeds).
    /// </summary>
    public static async Task<Results<Ok<PhoneNumberResource>, ErrorResult>> HandleAsync(
        HttpContext context, SessionPrincipal session, PhoneNumberStore phones, SmsDestinations destinations, SecurityEventLog events,
        IOptions<SmsOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var (form, error) = await RequestForm.ReadAsync(context, "phone_number");
        if (form is null)
        {
            return error!.Result();
        }

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
        var inserted = await phones.TryInsertAsync(phone, cancellationToken);
        if (inserted is null)
        {
            return MfaErrors.PhoneNumberExists.Result();
        }

        if (await phones.CountAsync(session.UserId, cancellationToken) > options.Value.MaxPhoneNumbersPerUser)
        {
            await phones.TryDeleteAsync(inserted, cancellationToken);
            return MfaErrors.PhoneNumberLimitReached.Result();
        }

        await events.RecordAsync(session.UserId, SecurityEventTypes.PhoneAdded, new Dictionary<string, string> { ["phone_number_id"] = phone.Id }, cancellationToken);
        return TypedResults.Ok(PhoneNumberResource.From(inserted, now, options.Value.CodePolicy));
    }
}
