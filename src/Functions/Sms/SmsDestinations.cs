using Microsoft.Extensions.Options;
using PhoneNumbers;

namespace FunctionsMfa.Functions.Sms;

/// <summary>
/// Where codes may go: a country allow-list and a line-type allow-list (by default only lines that reach a handset:
/// mobile and fixed-line-or-mobile), so premium-rate, shared-cost, toll-free, personal, pager, VoIP and UAN numbers,
/// the tools of SMS pumping, never get a code. Checked when a number is added and again before every send.
/// </summary>
internal sealed class SmsDestinations(IOptions<SmsOptions> options)
{
    private readonly IReadOnlySet<PhoneNumberType> allowedTypes = options.Value.EffectiveAllowedNumberTypes;

    public MfaError? Check(PhoneNumberFacts facts)
    {
        if (!options.Value.EffectiveAllowedCountries.Contains(facts.Region, StringComparer.OrdinalIgnoreCase))
        {
            return MfaErrors.PhoneCountryNotAllowed;
        }

        return allowedTypes.Contains(facts.Type) ? null : MfaErrors.PhoneNumberTypeNotAllowed;
    }

    /// <summary>Checks a stored E.164 number again before a send: the configuration may have changed since it was added.</summary>
    public MfaError? Check(string e164) =>
        PhoneNumberRules.Parse(e164) is { } facts ? Check(facts) : MfaErrors.FormParamFormatInvalid("phone_number");
}
