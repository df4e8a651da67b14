using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Crypto;

/// <summary>A secret sealed under one key of the ring: the key id stored beside the ciphertext.</summary>
internal readonly record struct SealedSecret(string KeyId, byte[] Blob);

/// <summary>
/// AES-256-GCM for secrets at rest (TOTP secrets, queued SMS codes), with a key ring for rotation. The blob is
/// nonce (12) | ciphertext | tag (16); the associated data binds a ciphertext to its owner and purpose, so a blob copied
/// to another user's record does not open. Data Protection's default (CBC + HMAC, XML key ring) is not the format the
/// contract asks for, so this thin wrapper over the platform's <see cref="AesGcm"/> is written here.
/// </summary>
internal sealed class SecretProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly Dictionary<string, byte[]> keys = new(StringComparer.Ordinal);

    public SecretProtector(IOptions<CryptoOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var entry in options.Value.Keys)
        {
            var (kid, key) = ParseKey(entry);
            if (keys.Count == 0)
            {
                CurrentKeyId = kid;
            }

            keys[kid] = key;
        }

        if (keys.Count == 0)
        {
            throw new InvalidOperationException("Mfa:Encryption:Keys has no key.");
        }
    }

    /// <summary>The id of the key new secrets are sealed under.</summary>
    public string CurrentKeyId { get; } = string.Empty;

    public SealedSecret Seal(ReadOnlySpan<byte> plaintext, string associatedData)
    {
        var blob = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = blob.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(keys[CurrentKeyId], TagSize);
        aes.Encrypt(nonce, plaintext, blob.AsSpan(NonceSize, plaintext.Length), blob.AsSpan(NonceSize + plaintext.Length), Encoding.UTF8.GetBytes(associatedData));
        return new SealedSecret(CurrentKeyId, blob);
    }

    /// <summary>Opens a sealed secret; null when its key is gone or the blob or its binding was tampered with.</summary>
    public byte[]? Open(SealedSecret sealedSecret, string associatedData)
    {
        if (!keys.TryGetValue(sealedSecret.KeyId, out var key) || sealedSecret.Blob is not { Length: >= NonceSize + TagSize } blob)
        {
            return null;
        }

        var plaintext = new byte[blob.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(blob.AsSpan(0, NonceSize), blob.AsSpan(NonceSize, plaintext.Length), blob.AsSpan(NonceSize + plaintext.Length), plaintext, Encoding.UTF8.GetBytes(associatedData));
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    /// <summary>True when a record sealed under <paramref name="keyId"/> should be re-sealed under the current key on its next write.</summary>
    public bool IsStale(string keyId) => !string.Equals(keyId, CurrentKeyId, StringComparison.Ordinal);

    /// <summary>For start-up validation: true when the entry is <c>kid:base64(32 bytes)</c>.</summary>
    internal static bool IsValidKey(string entry)
    {
        try
        {
            ParseKey(entry);
            return true;
        }
        catch (Exception exception) when (exception is InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    internal static (string Kid, byte[] Key) ParseKey(string entry)
    {
        var colon = entry.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new InvalidOperationException("An encryption key must be written kid:base64.");
        }

        var key = Convert.FromBase64String(entry[(colon + 1)..]);
        if (key.Length != 32)
        {
            throw new InvalidOperationException("An encryption key must be 32 bytes (AES-256).");
        }

        return (entry[..colon], key);
    }
}
