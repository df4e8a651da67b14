using System.ComponentModel.DataAnnotations;

namespace FunctionsMfa.Functions.Crypto;

/// <summary><c>Mfa:Encryption</c>: keys for secrets at rest and for keyed hashes.</summary>
internal sealed class CryptoOptions
{
    public const string Section = "Mfa:Encryption";

    /// <summary>
    /// AES-256 keys as <c>kid:base64(32 bytes)</c>, newest first. The first encrypts; every one listed still decrypts,
    /// so a key is retired by re-writing its records and then removing it.
    /// </summary>
    public List<string> Keys { get; set; } = [];

    /// <summary>The key (base64, at least 32 bytes) of the HMAC that stores tokens and codes as keyed hashes.</summary>
    [Required]
    public string HashKey { get; set; } = string.Empty;
}
