using FunctionsMfa.Functions.Auth;

namespace FunctionsMfa.Functions.SignIns;

/// <summary>The SPA's access to one sign-in, authorised by that sign-in's client token.</summary>
internal sealed class ClientSignInAccess(SignInStore signIns, ClientTokens clientTokens)
{
    /// <summary>
    /// Loads the sign-in the client token opens. An unknown id and a wrong token give the same 404, after the same work.
    /// Round trips: 1 (point read).
    /// </summary>
    public async Task<SignInRecord?> AuthorizeAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        var token = BearerToken.From(request);
        var signIn = SignInIds.IsWellFormed(id) ? await signIns.GetAsync(id, cancellationToken) : null;
        return clientTokens.Verify(token, signIn) ? signIn : null;
    }
}

internal static class ClientSignInExtensions
{
    /// <summary>The sign-in of a <see cref="Hosting.Caller.Client"/> function, its client token checked by <see cref="Hosting.AuthenticationMiddleware"/>.</summary>
    public static SignInRecord SignIn(this HttpRequest request) =>
        request.HttpContext.Features.Get<SignInRecord>() ?? throw new InvalidOperationException("The function is not declared [CalledBy(Caller.Client)].");
}
