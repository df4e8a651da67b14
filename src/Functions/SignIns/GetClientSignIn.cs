using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.SignIns;

/// <summary>Clerk's <c>SignIn</c> as the SPA reads it: status and <c>supported_second_factors</c>. Round trips: 1 (the sign-in's creation row) + 1 (the user's partition, with its state row; read in parallel).</summary>
[CalledBy(Caller.Client)]
internal sealed class GetClientSignIn(UserStore users, TimeProvider time)
{
    [Function(nameof(GetClientSignIn))]
    public async Task<Results<Ok<SignInAttemptResource>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/client/sign_ins/{id}")] HttpRequest request, CancellationToken cancellationToken)
    {
        var signIn = request.SignIn();

        var user = request.SignInUser() ?? await users.LoadAsync(signIn.UserId, cancellationToken);
        return TypedResults.Ok(SignInAttemptResource.From(SignInStore.Current(signIn, user), user, time.GetUtcNow()));
    }
}
