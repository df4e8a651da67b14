using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FunctionsMfa.Functions.Sessions;

/// <summary>
/// Issues and verifies session tokens: ES256 JWTs with Clerk's claims (<c>sub</c>, <c>sid</c>, <c>amr</c>,
/// <c>fva</c>). Expiry is checked against <see cref="TimeProvider"/>, never the library's own clock.
/// </summary>
internal sealed class SessionTokens : IDisposable
{
    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly List<(string Kid, ECDsa Key)> keys = [];
    private readonly TimeProvider time;
    private readonly SessionTokenOptions options;
    private readonly string issuer;
    private readonly TokenValidationParameters validation;

    public SessionTokens(IOptions<SessionTokenOptions> options, IOptions<Auth.MfaOptions> mfa, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(mfa);
        this.options = options.Value;
        this.time = time;
        issuer = mfa.Value.Issuer;
        foreach (var entry in this.options.SigningKeys)
        {
            keys.Add(ParseSigningKey(entry));
        }

        if (keys.Count == 0)
        {
            throw new InvalidOperationException("Mfa:Sessions:SigningKeys has no key.");
        }

        validation = new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidateAudience = false,
            ValidateLifetime = false,
            RequireSignedTokens = true,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            IssuerSigningKeys = [.. keys.Select(k => new ECDsaSecurityKey(k.Key) { KeyId = k.Kid })],
        };
    }

    /// <summary>A token for a session. <paramref name="firstFactorAt"/> and <paramref name="secondFactorAt"/> feed <c>fva</c>.</summary>
    public string Issue(string userId, string sessionId, IReadOnlyList<string> amr, DateTimeOffset? firstFactorAt, DateTimeOffset? secondFactorAt)
    {
        var now = time.GetUtcNow();
        var (kid, key) = keys[0];
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + options.TokenLifetime).UtcDateTime,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = userId,
                ["sid"] = sessionId,
                ["amr"] = amr.ToArray(),
                ["fva"] = new[] { MinutesSince(now, firstFactorAt), MinutesSince(now, secondFactorAt) },
            },
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key) { KeyId = kid }, SecurityAlgorithms.EcdsaSha256),
        };
        return handler.CreateToken(descriptor);
    }

    /// <summary>The principal of a valid, unexpired token of ours; null otherwise.</summary>
    public async Task<SessionPrincipal?> ValidateAsync(string token)
    {
        var result = await handler.ValidateTokenAsync(token, validation);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt || jwt.Alg != SecurityAlgorithms.EcdsaSha256)
        {
            return null;
        }

        try
        {
            using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload));
            var root = payload.RootElement;
            var now = time.GetUtcNow().ToUnixTimeSeconds();
            var exp = root.GetProperty("exp").GetInt64();
            var iat = root.GetProperty("iat").GetInt64();
            if (now >= exp || iat > now + 60)
            {
                return null;
            }

            var fva = root.GetProperty("fva");
            var amr = root.GetProperty("amr").EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToArray();
            return new SessionPrincipal(
                root.GetProperty("sub").GetString()!,
                root.GetProperty("sid").GetString()!,
                DateTimeOffset.FromUnixTimeSeconds(iat),
                fva[0].GetInt32(),
                fva[1].GetInt32(),
                amr);
        }
        catch (Exception exception) when (exception is KeyNotFoundException or InvalidOperationException or JsonException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Reads a <c>kid:base64(PKCS#8)</c> P-256 key; throws with a message that names no key material.</summary>
    internal static (string Kid, ECDsa Key) ParseSigningKey(string entry)
    {
        var colon = entry.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new InvalidOperationException("A signing key must be written kid:base64(PKCS#8).");
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportPkcs8PrivateKey(Convert.FromBase64String(entry[(colon + 1)..]), out _);
        }
        catch (Exception exception) when (exception is FormatException or CryptographicException)
        {
            key.Dispose();
            throw new InvalidOperationException("A signing key is not a base64 PKCS#8 private key.");
        }

        if (key.KeySize != 256)
        {
            key.Dispose();
            throw new InvalidOperationException("A signing key must be a P-256 key (ES256).");
        }

        return (entry[..colon], key);
    }

    /// <summary>For start-up validation: true when <see cref="ParseSigningKey"/> accepts the entry.</summary>
    internal static bool IsValidSigningKey(string entry)
    {
        try
        {
            ParseSigningKey(entry).Key.Dispose();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The public keys, for <c>/.well-known/jwks.json</c>.</summary>
    public IReadOnlyList<PublicJwk> PublicKeys() => [.. keys.Select(k =>
    {
        var parameters = k.Key.ExportParameters(includePrivateParameters: false);
        return new PublicJwk("EC", "sig", "ES256", k.Kid, "P-256",
            Base64UrlEncoder.Encode(parameters.Q.X!), Base64UrlEncoder.Encode(parameters.Q.Y!));
    })];

    public void Dispose()
    {
        foreach (var (_, key) in keys)
        {
            key.Dispose();
        }
    }

    private static int MinutesSince(DateTimeOffset now, DateTimeOffset? then) =>
        then is { } at ? (int)Math.Max(0, (now - at).TotalMinutes) : -1;
}

internal sealed record PublicJwk(string Kty, string Use, string Alg, string Kid, string Crv, string X, string Y);

internal sealed record JwkSet(IReadOnlyList<PublicJwk> Keys);
