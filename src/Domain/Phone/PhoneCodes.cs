using System.Globalization;
using System.Security.Cryptography;

namespace FunctionsMfa.Domain.Phone;

/// <summary>The SMS one-time code: six digits from the CSPRNG, and the strict input rule.</summary>
public static class PhoneCodes
{
    public const int Length = 6;

    public static string Generate() =>
        RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>Exactly six ASCII digits: no spaces, signs or other scripts' digits.</summary>
    public static bool IsWellFormed(string? code)
    {
        if (code is not { Length: Length })
        {
            return false;
        }

        foreach (var c in code)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
