using FunctionsMfa.Functions.Auth;
using FunctionsMfa.Functions.Hosting;
using FunctionsMfa.Functions.SignIns.SecondFactors;
using FunctionsMfa.Functions.Users;
using FunctionsMfa.Functions.Wire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsMfa.Functions.SignIns;

/// <summary>
/// Round trips on success: 1 (sign-in) + 1 (user partition) + the strategy's (backup code: 1 conditional delete) +
/// 1-2 (budget reset) + 1 (session) + 1 (sign-in, conditional) + 1-2 (audit).
/// </summary>
[Form("strategy", "code", Required = ["strategy", "code"])]
internal sealed class AttemptSignInSecondFactor(ClientSignInAccess access, SecondFactorSignIns secondFactors)
{
    [Function(nameof(AttemptSignInSecondFactor))]
    public async Task<Results<Ok<SignInAttemptResource>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/client/sign_ins/{id}/attempt_second_factor")] HttpRequest request, string id, CancellationToken cancellationToken)
    {

        var signIn = await access.AuthorizeAsync(request, id, cancellationToken);
        if (signIn is null)
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        var form = request.Form();

        var (resource, error) = await secondFactors.AttemptAsync(signIn, form.Get("strategy"), form.Get("code"), cancellationToken);
        return resource is null ? error!.Result() : TypedResults.Ok(resource);
    }
}
