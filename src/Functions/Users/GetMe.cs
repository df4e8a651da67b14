using FunctionsMfa.Functions.Sessions;

namespace FunctionsMfa.Functions.Users;

/// <summary>Round trips: 0 of its own (the session check's partition query holds everything).</summary>
[CalledBy(Caller.Session)]
internal sealed class GetMe
{
    [Function(nameof(GetMe))]
    public Ok<UserResource> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/me")] HttpRequest request, CancellationToken cancellationToken)
    {
        var session = request.Session();
        return TypedResults.Ok(UserResource.From(session.User));
    }
}
