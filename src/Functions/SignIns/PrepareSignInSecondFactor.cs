using FunctionsMfa.Functions.SignIns.SecondFactors;

namespace FunctionsMfa.Functions.SignIns;

/// <summary>
/// <c>totp</c> and <c>backup_code</c> need no preparation: the sign-in is answered as it is, as Clerk does.
/// Round trips: 1 (sign-in) + 1 (user partition), plus what the strategy does.
/// </summary>
[CalledBy(Caller.Client)]
[Form("strategy", "phone_number_id")]
internal sealed class PrepareSignInSecondFactor(SecondFactorSignIns secondFactors)
{
    [Function(nameof(PrepareSignInSecondFactor))]
    public async Task<Results<Ok<SignInAttemptResource>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/client/sign_ins/{id}/prepare_second_factor")] HttpRequest request, CancellationToken cancellationToken)
    {
        var signIn = request.SignIn();

        var form = request.Form();

        var (resource, error) = await secondFactors.PrepareAsync(signIn, request.SignInUser(), form, cancellationToken);
        return resource is null ? error!.Result() : TypedResults.Ok(resource);
    }
}
