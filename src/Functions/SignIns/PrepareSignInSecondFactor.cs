using FunctionsMfa.Functions.Auth;
using FunctionsMfa.Functions.Hosting;
using FunctionsMfa.Functions.SignIns.SecondFactors;
using FunctionsMfa.Functions.Users;
using FunctionsMfa.Functions.Wire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsMfa.Functions.SignIns;

/// <summary>
/// <c>totp</c> and <c>backup_code</c> need no preparation: the sign-in is answered as it is, as Clerk does.
/// Round trips: 1 (sign-in) + 1 (user partition), plus what the strategy does.
/// </summary>
[Form("strategy", "phone_number_id")]
internal sealed class PrepareSignInSecondFactor(ClientSignInAccess access, SecondFactorSignIns secondFactors)
{
    [Function(nameof(PrepareSignInSecondFactor))]
    public async Task<Results<Ok<SignInAttemptResource>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/client/sign_ins/{id}/prepare_second_factor")] HttpRequest request, string id, CancellationToken cancellationToken)
    {

        var signIn = await access.AuthorizeAsync(request, id, cancellationToken);
        if (signIn is null)
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        var form = request.Form();

        var (resource, error) = await secondFactors.PrepareAsync(signIn, form, cancellationToken);
        return resource is null ? error!.Result() : TypedResults.Ok(resource);
    }
}
