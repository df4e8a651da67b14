using FunctionsMfa.Functions.Auth;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.Functions.SignIns;
using FunctionsMfa.Functions.Users;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace FunctionsMfa.Functions.Hosting;

/// <summary>
/// Admits the caller a function declares (<see cref="CalledByAttribute"/>) once, before it runs: the backend's secret
/// key; a sign-in's client token (the sign-in, read to check it, is handed to the function: <c>request.SignIn()</c>,
/// with its user's partition read alongside: <c>request.SignInUser()</c>; an unknown sign-in and a wrong token are the
/// same 404); or the session token of a live session. For a session, the user's partition is read here (its session row is
/// in it) and handed to the function as <see cref="SessionPrincipal.User"/>: every <c>/v1/me</c> function needs that
/// read anyway, so checking the session costs no extra round trip.
/// </summary>
internal sealed class AuthenticationMiddleware(SecretKeys secretKeys, SessionTokens tokens, UserStore users, SessionStore sessions, ClientSignInAccess signIns)
    : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is not { } http || MethodTunnelMiddleware.ServedBy(context) is not { } function)
        {
            await next(context);
            return;
        }

        switch (function.Caller)
        {
            case Caller.Backend when !secretKeys.Admits(http.Request):
                context.GetInvocationResult().Value = MfaErrors.AuthenticationInvalid.Result();
                return;
            case Caller.Client:
                var signIn = await signIns.AuthorizeAsync(http.Request, http.Request.RouteValues["id"]?.ToString() ?? "", http.RequestAborted);
                if (signIn is null)
                {
                    context.GetInvocationResult().Value = MfaErrors.ResourceNotFound.Result();
                    return;
                }

                http.Features.Set(signIn);
                break;
            case Caller.Session:
                var token = BearerToken.From(http.Request);
                var principal = token is null ? null : await tokens.ValidateAsync(token);
                if (principal is null)
                {
                    context.GetInvocationResult().Value = MfaErrors.AuthenticationInvalid.Result();
                    return;
                }

                // A signed, unexpired token is not enough: its session must still exist (sign-out, revocation and a
                // reset delete it).
                var user = await users.LoadAsync(principal.UserId, http.RequestAborted);
                if (!sessions.IsActive(user, principal.SessionId))
                {
                    context.GetInvocationResult().Value = MfaErrors.AuthenticationInvalid.Result();
                    return;
                }

                http.Features.Set(principal with { User = user });
                break;
        }

        await next(context);
    }
}
