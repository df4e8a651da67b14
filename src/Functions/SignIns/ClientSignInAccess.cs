using FunctionsMfa.Functions.Auth;
using FunctionsMfa.Functions.SignIns.SecondFactors;
using FunctionsMfa.Functions.Users;
using FunctionsMfa.Functions.Wire;
using Microsoft.AspNetCore.Http.HttpResults;

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
