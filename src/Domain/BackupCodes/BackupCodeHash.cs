using System.Security.Cryptography;
using System.Text;

namespace FunctionsMfa.Domain.BackupCodes;

/// <summary>A backup code's salted slow hash as stored: PBKDF2-SHA256 with its own salt and iteration count.</summary>
public sealed record BackupCodeHash(byte[] Salt, byte[] Hash, int Iterations)
{
    private const int SaltSize = 16;
    private const int HashSize = 32;

    public static BackupCodeHash Create(string canonicalCode, int iterations)
    {
        ArgumentNullException.ThrowIfNull(canonicalCode);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var salt = RandomNumberGenerator.GetBytes(SaltSize);
        return new BackupCodeHash(salt, Derive(canonicalCode, salt, iterations), iterations);
    }

    /// <summary>Recomputes the hash of <paramref name="canonicalCode"/> and compares it in constant time.</summary>
    public bool Matches(string canonicalCode)
    {
        ArgumentNullException.ThrowIfNull(canonicalCode);
        if (Hash.Length != HashSize || Salt.Length == 0 || Iterations < 1)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Derive(canonicalCode, Salt, Iterations), Hash);
    }

    private static byte[] Derive(string code, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(code), salt, iterations, HashAlgorithmName.SHA256, HashSize);
}
