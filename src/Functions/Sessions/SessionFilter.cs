using FunctionsMfa.Functions.Wire;

namespace FunctionsMfa.Functions.Sessions;

/// <summary>Endpoint metadata: the route needs a valid session token.</summary>
internal sealed class SessionRequired
{
    public static readonly SessionRequired Instance = new();
}

/// <summary>
/// Admits a caller with a valid session token of a live session on the routes marked <see cref="SessionRequired"/>
/// and makes its <see cref="SessionPrincipal"/> (with the user's partition) available to parameter binding, which runs before endpoint filters (so this is middleware).
/// </summary>
internal static class SessionAuthentication
{
    public static IApplicationBuilder UseSessionAuthentication(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<SessionRequired>() is null)
        {
            await next(context);
            return;
        }

        var token = Auth.BearerToken.From(context.Request);
        var tokens = context.RequestServices.GetRequiredService<SessionTokens>();
        var principal = token is null ? null : await tokens.ValidateAsync(token);
        if (principal is null)
        {
            await ErrorResult.WriteAsync(context, MfaErrors.AuthenticationInvalid);
            return;
        }

        // A signed, unexpired token is not enough: its session must still exist (sign-out, revocation and a reset
        // delete it). Read with the rest of the user's partition, which every /v1/me handler needs anyway.
        var user = await context.RequestServices.GetRequiredService<Users.UserStore>().LoadAsync(principal.UserId, context.RequestAborted);
        if (!context.RequestServices.GetRequiredService<SessionStore>().IsActive(user, principal.SessionId))
        {
            await ErrorResult.WriteAsync(context, MfaErrors.AuthenticationInvalid);
            return;
        }

        context.Features.Set(principal with { User = user });
        await next(context);
    });

    public static RouteGroupBuilder RequireSession(this RouteGroupBuilder group) => group.WithMetadata(SessionRequired.Instance);
}
