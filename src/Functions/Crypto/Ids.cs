using System.Security.Cryptography;

namespace FunctionsMfa.Functions.Crypto;

/// <summary>Resource ids: a kind prefix and 128 random bits in lower-case base32 (<c>sia_…</c>, <c>totp_…</c>).</summary>
internal static class Ids
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public static string New(string prefix) => prefix + "_" + Base32(RandomNumberGenerator.GetBytes(16));

    /// <summary>Base32 without padding; also the alphabet of TOTP secrets (upper-case there).</summary>
    public static string Base32(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[(bytes.Length * 8 + 4) / 5];
        int buffer = 0, bits = 0, index = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                chars[index++] = Alphabet[(buffer >> (bits - 5)) & 31];
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            chars[index++] = Alphabet[(buffer << (5 - bits)) & 31];
        }

        return new string(chars, 0, index);
    }
}
