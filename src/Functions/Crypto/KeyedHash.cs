using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Crypto;

/// <summary>
/// HMAC-SHA256 under the service's hash key: how client tokens, phone codes and backup-code lookups are stored. Without
/// the key a table dump cannot be searched for a guessed code. Each use passes a purpose so hashes never collide across uses.
/// </summary>
internal sealed class KeyedHash(IOptions<CryptoOptions> options)
{
    private readonly byte[] key = Convert.FromBase64String(options.Value.HashKey);

    public byte[] Compute(string purpose, string value)
    {
        var input = Encoding.UTF8.GetBytes(purpose + "\n" + value);
        return HMACSHA256.HashData(key, input);
    }

    public string ComputeHex(string purpose, string value) => Convert.ToHexStringLower(Compute(purpose, value));

    /// <summary>Constant-time check of <paramref name="value"/> against a stored hash.</summary>
    public bool Matches(string purpose, string value, byte[]? stored) =>
        stored is { Length: 32 } && CryptographicOperations.FixedTimeEquals(Compute(purpose, value), stored);
}
