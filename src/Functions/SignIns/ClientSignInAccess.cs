using FunctionsMfa.Functions.Auth;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.SignIns;

/// <summary>A sign-in opened by its client token, with its user's partition.</summary>
internal sealed record ClientSignIn(SignInRecord SignIn, UserSnapshot User);

/// <summary>The SPA's access to one sign-in, authorised by that sign-in's client token.</summary>
internal sealed class ClientSignInAccess(SignInStore signIns, UserStore users, ClientTokens clientTokens)
{
    /// <summary>
    /// Loads the sign-in the client token opens, and at the same time the partition of the user the token names
    /// (<see cref="ClientTokens.UserOf"/>), which every client function reads next: the two reads overlap. An unknown
    /// id and a wrong token give the same 404, after the same work. Round trips: 1 (point read) + 1 (the partition,
    /// in parallel; read after the sign-in instead when the token named no user, as a token from before it did).
    /// </summary>
    public async Task<ClientSignIn?> AuthorizeAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        var token = BearerToken.From(request);
        var hinted = ClientTokens.UserOf(token);
        var reading = hinted is null ? null : users.LoadAsync(hinted, cancellationToken);
        var signIn = SignInIds.IsWellFormed(id) ? await signIns.GetAsync(id, cancellationToken) : null;
        var user = reading is null ? null : await reading;
        if (!clientTokens.Verify(token, signIn))
        {
            return null;
        }

        return new ClientSignIn(signIn!, user is not null && user.UserId == signIn!.UserId ? user : await users.LoadAsync(signIn!.UserId, cancellationToken));
    }
}

internal static class ClientSignInExtensions
{
    /// <summary>The sign-in of a <see cref="Hosting.Caller.Client"/> function, its client token checked by <see cref="Hosting.AuthenticationMiddleware"/>.</summary>
    public static SignInRecord SignIn(this HttpRequest request) => ClientSignIn(request).SignIn;

    /// <summary>The sign-in's user partition, read with it (<see cref="ClientSignInAccess.AuthorizeAsync"/>).</summary>
    public static UserSnapshot SignInUser(this HttpRequest request) => ClientSignIn(request).User;

    private static ClientSignIn ClientSignIn(HttpRequest request) =>
        request.HttpContext.Features.Get<ClientSignIn>() ?? throw new InvalidOperationException("The function is not declared [CalledBy(Caller.Client)].");
}
