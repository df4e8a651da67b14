namespace FunctionsMfa.Functions.SignIns;

/// <summary>Clerk's <c>SignIn</c> as the SPA reads it: status and <c>supported_second_factors</c>. Round trips: 1 (the sign-in's creation row) + 1 (the user's partition, with its state row; read in parallel).</summary>
[CalledBy(Caller.Client)]
internal sealed class GetClientSignIn(TimeProvider time)
{
    [Function(nameof(GetClientSignIn))]
    public Ok<SignInAttemptResource> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/client/sign_ins/{id}")] HttpRequest request)
    {
        var signIn = request.SignIn();

        var user = request.SignInUser();
        return TypedResults.Ok(SignInAttemptResource.From(SignInStore.Current(signIn, user), user, time.GetUtcNow()));
    }
}
