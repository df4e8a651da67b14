using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Auth;

/// <summary>Recognises the app's backend: a bearer secret key from <c>Mfa:SecretKeys</c>, compared in constant time.</summary>
internal sealed class SecretKeys(IOptions<MfaOptions> options)
{
    // Keys are compared as SHA-256 digests, so neither their content nor their length leaks through timing.
    private readonly byte[][] digests = [.. options.Value.SecretKeys.Select(key => SHA256.HashData(Encoding.UTF8.GetBytes(key)))];

    public bool Admits(HttpRequest request)
    {
        var token = BearerToken.From(request);
        if (token is null)
        {
            return false;
        }

        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        var matched = false;
        foreach (var candidate in digests)
        {
            matched |= CryptographicOperations.FixedTimeEquals(digest, candidate);
        }

        return matched;
    }
}
