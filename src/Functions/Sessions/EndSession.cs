using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Sessions;

namespace FunctionsMfa.Functions.Sessions;

/// <summary>One of the caller's own sessions (another user's is 404). Round trips: 1 (the transaction of the delete and its audit event).</summary>
[CalledBy(Caller.Session)]
[Form]
internal sealed class EndSession(SessionStore sessions, SecurityEventLog events)
{
    [Function(nameof(EndSession))]
    public async Task<Results<Ok<SessionResource>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/me/sessions/{session_id}/end")] HttpRequest request, string session_id, CancellationToken cancellationToken)
    {
        var sessionId = session_id;
        var session = request.Session();

        var ended = events.Record(session.UserId, SecurityEventTypes.SessionEnded, new Dictionary<string, string> { ["session_id"] = sessionId });
        if (!sessions.IsActive(session.User, sessionId) || !await sessions.EndAsync(session.UserId, sessionId, ended, cancellationToken))
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        return TypedResults.Ok(new SessionResource(sessionId, session.UserId, "ended"));
    }
}
