using FunctionsMfa.Functions.Auth;
using FunctionsMfa.Functions.SignIns.SecondFactors;
using FunctionsMfa.Functions.Users;
using FunctionsMfa.Functions.Wire;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FunctionsMfa.Functions.SignIns;

/// <summary>The SPA's view of one sign-in, authorised by that sign-in's client token.</summary>
internal static class ClientSignInEndpoints
{
    public static IEndpointRouteBuilder MapClientSignIns(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/client/sign_ins").WithTags("Sign-ins (client)");
        group.MapGet("/{id}", GetAsync).WithName("GetClientSignIn");
        group.MapPost("/{id}/prepare_second_factor", PrepareSecondFactorAsync).WithName("PrepareSignInSecondFactor");
        group.MapPost("/{id}/attempt_second_factor", AttemptSecondFactorAsync).WithName("AttemptSignInSecondFactor");
        return app;
    }

    /// <summary>
    /// Loads the sign-in the client token opens. An unknown id and a wrong token give the same 404, after the same work.
    /// Round trips: 1 (point read).
    /// </summary>
    internal static async Task<SignInRecord?> AuthorizeAsync(HttpContext context, string id, SignInStore signIns, ClientTokens clientTokens, CancellationToken cancellationToken)
    {
        var token = BearerToken.From(context.Request);
        var signIn = SignInIds.IsWellFormed(id) ? await signIns.GetAsync(id, cancellationToken) : null;
        return clientTokens.Verify(token, signIn) ? signIn : null;
    }

    internal static async Task<Results<Ok<SignInAttemptResource>, ErrorResult>> GetAsync(
        string id, HttpContext context, UserStore users, SignInStore signIns, ClientTokens clientTokens, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var signIn = await AuthorizeAsync(context, id, signIns, clientTokens, cancellationToken);
        if (signIn is null)
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        var user = await users.LoadAsync(signIn.UserId, cancellationToken);
        return TypedResults.Ok(SignInAttemptResource.From(signIn, user, time.GetUtcNow()));
    }

    /// <summary>
    /// <c>totp</c> and <c>backup_code</c> need no preparation: the sign-in is answered as it is, as Clerk does.
    /// Round trips: 1 (sign-in) + 1 (user partition), plus what the strategy does.
    /// </summary>
    internal static async Task<Results<Ok<SignInAttemptResource>, ErrorResult>> PrepareSecondFactorAsync(
        string id, HttpContext context, SignInStore signIns, ClientTokens clientTokens, SecondFactorSignIns secondFactors,
        CancellationToken cancellationToken)
    {
        var signIn = await AuthorizeAsync(context, id, signIns, clientTokens, cancellationToken);
        if (signIn is null)
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        var (form, formError) = await RequestForm.ReadAsync(context, secondFactors.PrepareParameters);
        if (form is null)
        {
            return formError!.Result();
        }

        var (resource, error) = await secondFactors.PrepareAsync(signIn, form, cancellationToken);
        return resource is null ? error!.Result() : TypedResults.Ok(resource);
    }

    /// <summary>
    /// Round trips on success: 1 (sign-in) + 1 (user partition) + the strategy's (backup code: 1 conditional delete) +
    /// 1-2 (budget reset) + 1 (session) + 1 (sign-in, conditional) + 1-2 (audit).
    /// </summary>
    internal static async Task<Results<Ok<SignInAttemptResource>, ErrorResult>> AttemptSecondFactorAsync(
        string id, HttpContext context, SignInStore signIns, ClientTokens clientTokens, SecondFactorSignIns secondFactors,
        CancellationToken cancellationToken)
    {
        var signIn = await AuthorizeAsync(context, id, signIns, clientTokens, cancellationToken);
        if (signIn is null)
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        var (form, formError) = await RequestForm.ReadAsync(context, "strategy", "code");
        if (form is null)
        {
            return formError!.Result();
        }

        var (resource, error) = await secondFactors.AttemptAsync(signIn, form.Get("strategy"), form.Get("code"), cancellationToken);
        return resource is null ? error!.Result() : TypedResults.Ok(resource);
    }
}
