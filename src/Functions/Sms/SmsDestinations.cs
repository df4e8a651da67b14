using FunctionsMfa.Functions.PhoneNumbers;
using FunctionsMfa.Functions.Wire;
using Microsoft.Extensions.Options;
using PhoneNumbers;

namespace FunctionsMfa.Functions.Sms;

/// <summary>Where codes may go: a country allow-list, and never a premium-rate or shared-cost line (SMS pumping).</summary>
internal sealed class SmsDestinations(IOptions<SmsOptions> options)
{
    public MfaError? Check(PhoneNumberFacts facts)
    {
        if (!options.Value.EffectiveAllowedCountries.Contains(facts.Region, StringComparer.OrdinalIgnoreCase))
        {
            return MfaErrors.PhoneCountryNotAllowed;
        }

        return facts.Type is PhoneNumberType.PREMIUM_RATE or PhoneNumberType.SHARED_COST or PhoneNumberType.UNKNOWN
            ? MfaErrors.PhoneNumberTypeNotAllowed
            : null;
    }

    /// <summary>Checks a stored E.164 number again before a send: the configuration may have changed since it was added.</summary>
    public MfaError? Check(string e164) =>
        PhoneNumberRules.Parse(e164) is { } facts ? Check(facts) : MfaErrors.FormParamFormatInvalid("phone_number");
}
