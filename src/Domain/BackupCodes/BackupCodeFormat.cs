using System.Security.Cryptography;

namespace FunctionsMfa.Domain.BackupCodes;

/// <summary>
/// Backup codes: 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L, U/V), about 49 bits each. Shown in
/// lower case as two groups (<c>abcde-fghjk</c>); accepted in any case, with or without separators.
/// </summary>
public static class BackupCodeFormat
{
    public const int Length = 10;

    public const int CodesPerSet = 10;

    /// <summary>Upper case is the canonical (hashed) form.</summary>
    public const string Alphabet = "23456789ABCDEFGHJKMNPQRSTWXYZ";

    public static string Generate()
    {
        Span<char> chars = stackalloc char[Length];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }

        return new string(chars);
    }

    public static IReadOnlyList<string> GenerateSet()
    {
        var codes = new HashSet<string>(StringComparer.Ordinal);
        while (codes.Count < CodesPerSet)
        {
            codes.Add(Generate());
        }

        return [.. codes];
    }

    /// <summary>How a code is shown to the user: lower case, <c>xxxxx-xxxxx</c>.</summary>
    public static string Display(string canonical)
    {
        ArgumentNullException.ThrowIfNull(canonical);
        var lower = canonical.ToLowerInvariant();
        return lower[..(Length / 2)] + "-" + lower[(Length / 2)..];
    }

    /// <summary>
    /// The canonical form of what a user typed (separators <c>-</c> and spaces dropped, upper case), or null when it
    /// cannot be a backup code.
    /// </summary>
    public static string? Normalize(string? input)
    {
        if (input is null || input.Length > 32)
        {
            return null;
        }

        Span<char> chars = stackalloc char[Length];
        var count = 0;
        foreach (var c in input)
        {
            if (c is '-' or ' ')
            {
                continue;
            }

            var upper = char.ToUpperInvariant(c);
            if (count == Length || !char.IsAscii(upper) || !Alphabet.Contains(upper, StringComparison.Ordinal))
            {
                return null;
            }

            chars[count++] = upper;
        }

        return count == Length ? new string(chars) : null;
    }
}
