using FunctionsMfa.Functions.Events;

namespace FunctionsMfa.Functions.Sessions;

/// <summary>Round trips: 1 (the sign-in the session came from, for its user) + 1 (the transaction of the delete and its audit event).</summary>
[CalledBy(Caller.Backend)]
[Form]
internal sealed class RevokeSession(ISessionOwners owners, SessionStore sessions, SecurityEventLog events)
{
    [Function(nameof(RevokeSession))]
    public async Task<Results<Ok<SessionResource>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/sessions/{session_id}/revoke")] HttpRequest request, string session_id, CancellationToken cancellationToken)
    {
        var sessionId = session_id;

        var userId = await owners.UserOfAsync(sessionId, cancellationToken);
        if (userId is null
            || !await sessions.EndAsync(userId, sessionId, events.Record(userId, SecurityEventTypes.SessionRevoked, new Dictionary<string, string> { ["session_id"] = sessionId }), cancellationToken))
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        return TypedResults.Ok(new SessionResource(sessionId, userId, "revoked"));
    }
}
