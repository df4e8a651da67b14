using FunctionsMfa.Functions.SignIns.SecondFactors;

namespace FunctionsMfa.Functions.SignIns;

/// <summary>
/// Round trips on success: 1 (the sign-in, read to check the client token) + 1 (the user's partition) + 1 (the
/// outcome's transaction: budget, receipt, what the code spends, the session) + 1 (audit) + 1 (the sign-in's
/// completion, If-Match); a phone code first reserves its try on the sign-in (+1).
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
