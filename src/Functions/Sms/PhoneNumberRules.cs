using PhoneNumbers;

namespace FunctionsMfa.Functions.Sms;

/// <summary>What libphonenumber says about a destination: its region and its line type.</summary>
internal readonly record struct PhoneNumberFacts(string E164, string Region, PhoneNumberType Type);

/// <summary>
/// Parsing to E.164 with libphonenumber. Input is strict: a leading <c>+</c> and the country code, digits and the usual
/// separators only. Letters are refused outright (libphonenumber would read "1-800-FLOWERS" as digits).
/// </summary>
internal static class PhoneNumberRules
{
    private const int MaxInputLength = 32;

    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    public static PhoneNumberFacts? Parse(string? input)
    {
        if (input is not { Length: > 1 and <= MaxInputLength } || input[0] != '+')
        {
            return null;
        }

        var digits = 0;
        for (var i = 1; i < input.Length; i++)
        {
            var c = input[i];
            if (char.IsAsciiDigit(c))
            {
                digits++;
            }
            else if (c is not (' ' or '-' or '(' or ')' or '.'))
            {
                return null;
            }
        }

        if (digits is < 7 or > 15)
        {
            return null;
        }

        try
        {
            var number = Util.Parse(input, null);
            if (!Util.IsValidNumber(number))
            {
                return null;
            }

            return new PhoneNumberFacts(Util.Format(number, PhoneNumberFormat.E164), Util.GetRegionCodeForNumber(number) ?? "ZZ", Util.GetNumberType(number));
        }
        catch (NumberParseException)
        {
            return null;
        }
    }
}
