using FunctionsMfa.Functions.SignIns.SecondFactors;

namespace FunctionsMfa.Functions.SignIns;

/// <summary>
/// Round trips: 1 (the sign-in's creation row, to check the client token) and 1 (the user's partition), in parallel,
/// then 1 (the outcome's transaction: the budget, what the code spends, the session, the sign-in's
/// state row, the audit events), on success and on a wrong code alike; again on a conflict
/// (tests/FunctionsMfa.Tests/Security/StorageRoundTripTests.cs pins them).
/// </summary>
[CalledBy(Caller.Client)]
[Form("strategy", "code", Required = ["strategy", "code"])]
internal sealed class AttemptSignInSecondFactor(SecondFactorSignIns secondFactors)
{
    [Function(nameof(AttemptSignInSecondFactor))]
    public async Task<Results<Ok<SignInAttemptResource>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/client/sign_ins/{id}/attempt_second_factor")] HttpRequest request, CancellationToken cancellationToken)
    {
        var signIn = request.SignIn();

        var form = request.Form();

        var (resource, error) = await secondFactors.AttemptAsync(signIn, request.SignInUser(), form.Get("strategy"), form.Get("code"), cancellationToken);
        return resource is null ? error!.Result() : TypedResults.Ok(resource);
    }
}
