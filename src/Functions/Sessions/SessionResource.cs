using System.Text.Json;
using System.Text.Json.Serialization;
using FunctionsMfa.Functions.Auth;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.SignIns;
using FunctionsMfa.Functions.Wire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FunctionsMfa.Functions.Sessions;

/// <summary>
/// Ending sessions: the user's sign-out (<c>POST /v1/me/sessions/{id}/end</c>) and the backend's revocation
/// (<c>POST /v1/sessions/{id}/revoke</c>, Clerk's Backend API shape). Either deletes the session's row, so its token
/// is refused (401) on the next request, not only at <c>exp</c>.
/// </summary>
internal static class SessionEndpoints
{
    public static RouteGroupBuilder MapSessions(this RouteGroupBuilder me)
    {
        me.MapPost("/sessions/{session_id}/end", EndAsync).WithName("EndSession");
        return me;
    }

    public static IEndpointRouteBuilder MapBackendSessions(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1/sessions").RequireSecretKey().WithTags("Sessions (backend)")
            .MapPost("/{session_id}/revoke", RevokeAsync).WithName("RevokeSession");
        return app;
    }

    /// <summary>One of the caller's own sessions (another user's is 404). Round trips: 1 (delete) + 1 (audit insert).</summary>
    internal static async Task<Results<Ok<SessionResource>, ErrorResult>> EndAsync(
        [FromRoute(Name = "session_id")] string sessionId, HttpContext context, SessionPrincipal session, SessionStore sessions,
        SecurityEventLog events, CancellationToken cancellationToken)
    {
        var (form, error) = await RequestForm.ReadAsync(context);
        if (form is null)
        {
            return error!.Result();
        }

        if (!sessions.IsActive(session.User, sessionId) || !await sessions.EndAsync(session.UserId, sessionId, cancellationToken))
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        await events.RecordAsync(session.UserId, SecurityEventTypes.SessionEnded, new Dictionary<string, string> { ["session_id"] = sessionId }, cancellationToken);
        return TypedResults.Ok(new SessionResource(sessionId, session.UserId, "ended"));
    }

    /// <summary>Round trips: 1 (the sign-in the session came from, for its user) + 1 (delete) + 1 (audit insert).</summary>
    internal static async Task<Results<Ok<SessionResource>, ErrorResult>> RevokeAsync(
        [FromRoute(Name = "session_id")] string sessionId, HttpContext context, SignInStore signIns, SessionStore sessions,
        SecurityEventLog events, CancellationToken cancellationToken)
    {
        var (form, error) = await RequestForm.ReadAsync(context);
        if (form is null)
        {
            return error!.Result();
        }

        var signInId = SessionStore.SignInIdOf(sessionId);
        var signIn = signInId is not null && SignInIds.IsWellFormed(signInId) ? await signIns.GetAsync(signInId, cancellationToken) : null;
        if (signIn is null || signIn.CreatedSessionId != sessionId || !await sessions.EndAsync(signIn.UserId, sessionId, cancellationToken))
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        await events.RecordAsync(signIn.UserId, SecurityEventTypes.SessionRevoked, new Dictionary<string, string> { ["session_id"] = sessionId }, cancellationToken);
        return TypedResults.Ok(new SessionResource(sessionId, signIn.UserId, "revoked"));
    }
}

/// <summary>Clerk's <c>session</c>, as far as this service knows it: who, and that it has ended.</summary>
internal sealed record SessionResource(string Id, string UserId, string Status)
{
    public string Object => "session";
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SessionResource))]
internal sealed partial class SessionEndpointJson : JsonSerializerContext;
