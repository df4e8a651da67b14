using FunctionsMfa.Functions.Auth;
using FunctionsMfa.Functions.Users;
using FunctionsMfa.Functions.Wire;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FunctionsMfa.Functions.SignIns;

/// <summary>The SPA's view of one sign-in, authorised by that sign-in's client token.</summary>
internal static class ClientSignInEndpoints
{
    public static IEndpointRouteBuilder MapClientSignIns(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/client/sign_ins").WithTags("Sign-ins (client)");
        group.MapGet("/{id}", GetAsync).WithName("GetClientSignIn");
        return app;
    }

    /// <summary>
    /// Loads the sign-in the client token opens. An unknown id and a wrong token give the same 404, after the same work.
    /// Round trips: 1 (point read).
    /// </summary>
    internal static async Task<SignInRecord?> AuthorizeAsync(HttpContext context, string id, SignInStore signIns, ClientTokens clientTokens, CancellationToken cancellationToken)
    {
        var token = BearerToken.From(context.Request);
        var signIn = SignInIds.IsWellFormed(id) ? await signIns.GetAsync(id, cancellationToken) : null;
        return clientTokens.Verify(token, signIn) ? signIn : null;
    }

    internal static async Task<Results<Ok<SignInAttemptResource>, ErrorResult>> GetAsync(
        string id, HttpContext context, UserStore users, SignInStore signIns, ClientTokens clientTokens, CancellationToken cancellationToken)
    {
        var signIn = await AuthorizeAsync(context, id, signIns, clientTokens, cancellationToken);
        if (signIn is null)
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        var user = await users.LoadAsync(signIn.UserId, cancellationToken);
        return TypedResults.Ok(SignInAttemptResource.From(signIn, user));
    }
}
