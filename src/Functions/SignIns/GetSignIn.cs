using FunctionsMfa.Functions.Crypto;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.SignIns;

/// <summary>Round trips: 2 (the sign-in's creation row, the user's partition with its state row).</summary>
[CalledBy(Caller.Backend)]
internal sealed class GetSignIn(UserStore users, SignInStore signIns, TimeProvider time)
{
    [Function(nameof(GetSignIn))]
    public async Task<Results<Ok<SignInAttemptResource>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/sign_ins/{id}")] HttpRequest request, string id, CancellationToken cancellationToken)
    {

        var signIn = SignInIds.IsWellFormed(id) ? await signIns.GetAsync(id, cancellationToken) : null;
        if (signIn is null)
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        var user = await users.LoadAsync(signIn.UserId, cancellationToken);
        return TypedResults.Ok(SignInAttemptResource.From(SignInStore.Current(signIn, user), user, time.GetUtcNow()));
    }
}
