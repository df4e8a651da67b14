using FunctionsMfa.Domain.SignIns;
using System.Globalization;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.Security;

/// <summary>Round trips: 1 partition query + 1 conditional write of the budget, 1 audit insert; the answer is the partition read, with the fresh budget.</summary>
[CalledBy(Caller.Backend)]
internal sealed class UnlockUser(FailureBudgetStore budgets, SecurityEventLog events, TimeProvider time)
{
    [Function(nameof(UnlockUser))]
    public async Task<Results<Ok<BackendUserResource>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/users/{user_id}/unlock")] HttpRequest request, string user_id, CancellationToken cancellationToken)
    {
        var userId = user_id;

        if (!UserRows.IsValidUserId(userId))
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        var (before, user) = await budgets.UnlockAsync(userId, cancellationToken);
        var now = time.GetUtcNow();
        await events.RecordAsync(userId, SecurityEventTypes.UserUnlocked, new Dictionary<string, string>
        {
            ["was_locked"] = before.IsLocked(now) ? "true" : "false",
            ["failures"] = before.Failures.ToString(CultureInfo.InvariantCulture),
        }, cancellationToken);
        return TypedResults.Ok(BackendUserResource.From(user, FailureBudget.Fresh, budgets.Policy, now));
    }
}
