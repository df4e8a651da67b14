using System.Security.Cryptography;
using System.Text;
using FunctionsMfa.Functions.Wire;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Auth;

/// <summary>Admits the app's backend: a bearer secret key from <c>Mfa:SecretKeys</c>, compared in constant time.</summary>
internal sealed class SecretKeyFilter(IOptions<MfaOptions> options) : IEndpointFilter
{
    // Keys are compared as SHA-256 digests, so neither their content nor their length leaks through timing.
    private readonly byte[][] digests = [.. options.Value.SecretKeys.Select(key => SHA256.HashData(Encoding.UTF8.GetBytes(key)))];

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var token = BearerToken.From(context.HttpContext.Request);
        if (token is null || !Matches(token))
        {
            return ValueTask.FromResult<object?>(MfaErrors.AuthenticationInvalid.Result());
        }

        return next(context);
    }

    private bool Matches(string token)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        var matched = false;
        foreach (var candidate in digests)
        {
            matched |= CryptographicOperations.FixedTimeEquals(digest, candidate);
        }

        return matched;
    }
}

internal static class SecretKeyExtensions
{
    public static RouteGroupBuilder RequireSecretKey(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter<SecretKeyFilter>();
        return group;
    }
}
