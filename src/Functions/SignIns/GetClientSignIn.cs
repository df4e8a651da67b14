using FunctionsMfa.Functions.Auth;
using FunctionsMfa.Functions.Hosting;
using FunctionsMfa.Functions.SignIns.SecondFactors;
using FunctionsMfa.Functions.Users;
using FunctionsMfa.Functions.Wire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsMfa.Functions.SignIns;

internal sealed class GetClientSignIn(UserStore users, ClientSignInAccess access, TimeProvider time)
{
    [Function(nameof(GetClientSignIn))]
    public async Task<Results<Ok<SignInAttemptResource>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/client/sign_ins/{id}")] HttpRequest request, string id, CancellationToken cancellationToken)
    {
        var context = request.HttpContext;

        var signIn = await access.AuthorizeAsync(request, id, cancellationToken);
        if (signIn is null)
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        var user = await users.LoadAsync(signIn.UserId, cancellationToken);
        return TypedResults.Ok(SignInAttemptResource.From(signIn, user, time.GetUtcNow()));
    }
}
