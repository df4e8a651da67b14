using FunctionsMfa.Domain.SignIns;
using FunctionsMfa.Functions.Auth;
using FunctionsMfa.Functions.Crypto;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.Functions.Users;
using FunctionsMfa.Functions.Wire;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FunctionsMfa.Functions.SignIns;

/// <summary>The backend's sign-in routes (secret key): start a sign-in after the first factor, and read it back.</summary>
internal static class SignInEndpoints
{
    public static readonly TimeSpan SignInLifetime = SignInStateMachine.Lifetime;

    public static IEndpointRouteBuilder MapBackendSignIns(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/sign_ins").RequireSecretKey().WithTags("Sign-ins (backend)");
        group.MapPost("/", CreateAsync).WithName("CreateSignIn");
        group.MapGet("/{id}", GetAsync).WithName("GetSignIn");
        return app;
    }

    /// <summary>
    /// Round trips: 1 (user partition query) + 1 (sign-in insert), + 1 (session insert) when the user has no second
    /// factor and the sign-in completes at once, + 1 when a new <c>user_label</c> is remembered.
    /// </summary>
    internal static async Task<Results<Ok<SignInAttemptResource>, ErrorResult>> CreateAsync(
        HttpContext context, UserStore users, SignInStore signIns, SessionStore sessions, ClientTokens clientTokens,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var (form, error) = await RequestForm.ReadAsync(context, "user_id", "user_label");
        if (form is null)
        {
            return error!.Result();
        }

        if (form.Require("user_id", out var userId) is { } missing)
        {
            return missing.Result();
        }

        if (!UserRows.IsValidUserId(userId))
        {
            return MfaErrors.FormParamFormatInvalid("user_id").Result();
        }

        var label = form.Get("user_label");
        if (label is not null && (label.Length is 0 or > 256 || label.Any(char.IsControl)))
        {
            return MfaErrors.FormParamFormatInvalid("user_label").Result();
        }

        var user = await users.LoadAsync(userId, cancellationToken);
        if (label is not null)
        {
            await users.RememberLabelAsync(user, label, cancellationToken);
        }

        var now = time.GetUtcNow();
        var (token, tokenHash) = clientTokens.Create();
        var signIn = new SignInRecord
        {
            Id = Ids.New("sia"),
            UserId = userId,
            UserLabel = label,
            Status = SignInStatus.NeedsSecondFactor,
            ClientTokenHash = tokenHash,
            CreatedAt = now,
            AbandonAt = now + SignInLifetime,
        };

        string? sessionToken = null;
        if (!UserFactors.From(user).TwoFactorEnabled)
        {
            var session = await sessions.CreateAsync(userId, SessionStore.IdFor(signIn.Id), ["pwd"], now, null, cancellationToken);
            signIn = signIn with { Status = SignInStatus.Complete, CreatedSessionId = session.SessionId };
            sessionToken = session.Token;
        }

        signIn = await signIns.InsertAsync(signIn, cancellationToken);
        return TypedResults.Ok(SignInAttemptResource.From(signIn, user, now) with { ClientToken = token, SessionToken = sessionToken });
    }

    /// <summary>Round trips: 2 (sign-in point read, user partition query).</summary>
    internal static async Task<Results<Ok<SignInAttemptResource>, ErrorResult>> GetAsync(
        string id, UserStore users, SignInStore signIns, TimeProvider time, CancellationToken cancellationToken)
    {
        var signIn = SignInIds.IsWellFormed(id) ? await signIns.GetAsync(id, cancellationToken) : null;
        if (signIn is null)
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        var user = await users.LoadAsync(signIn.UserId, cancellationToken);
        return TypedResults.Ok(SignInAttemptResource.From(signIn, user, time.GetUtcNow()));
    }
}

internal static class SignInIds
{
    /// <summary>Ids from a URL are checked before they reach storage as keys.</summary>
    public static bool IsWellFormed(string? id) =>
        id is { Length: > 4 and <= 64 } && id.StartsWith("sia_", StringComparison.Ordinal) && id.Skip(4).All(char.IsAsciiLetterOrDigit);
}
