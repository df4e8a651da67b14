using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.Security;

/// <summary>Round trips: 1 (user partition query).</summary>
[CalledBy(Caller.Backend)]
internal sealed class GetUser(UserStore users, FailureBudgetStore budgets, TimeProvider time)
{
    [Function(nameof(GetUser))]
    public async Task<Results<Ok<BackendUserResource>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/users/{user_id}")] HttpRequest request, string user_id, CancellationToken cancellationToken)
    {
        var userId = user_id;

        if (!UserRows.IsValidUserId(userId))
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        var user = await users.LoadAsync(userId, cancellationToken);
        return TypedResults.Ok(BackendUserResource.From(user, budgets.Policy, time.GetUtcNow()));
    }
}
