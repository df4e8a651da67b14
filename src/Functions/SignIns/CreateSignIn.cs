using FunctionsMfa.Domain.SignIns;
using FunctionsMfa.Functions.Crypto;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.SignIns;

/// <summary>
/// Round trips: 1 (user partition query) + 1 (sign-in insert), + 1 (session insert, with a new <c>user_label</c>) when
/// the user has no second factor and the sign-in completes at once; with a second factor, + 1 when a new
/// <c>user_label</c> is remembered (a label the user already has costs nothing).
/// </summary>
[CalledBy(Caller.Backend)]
[Form("user_id", "user_label", Required = ["user_id"])]
internal sealed class CreateSignIn(
    UserStore users,
    SignInStore signIns,
    SessionStore sessions,
    ClientTokens clientTokens,
    TimeProvider time)
{
    [Function(nameof(CreateSignIn))]
    public async Task<Results<Ok<SignInAttemptResource>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/sign_ins")] HttpRequest request, CancellationToken cancellationToken)
    {

        var form = request.Form();

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
        var labelWrite = UserStore.LabelWrite(user, label);

        var now = time.GetUtcNow();
        var (token, tokenHash) = clientTokens.Create(userId);
        var signIn = new SignInRecord
        {
            Id = Ids.New("sia"),
            UserId = userId,
            UserLabel = label,
            Status = SignInStatus.NeedsSecondFactor,
            ClientTokenHash = tokenHash,
            CreatedAt = now,
            AbandonAt = now + SignInStateMachine.Lifetime,
        };

        string? sessionToken = null;
        if (!user.Factors.TwoFactorEnabled)
        {
            var session = await sessions.CreateAsync(userId, SessionStore.IdFor(signIn.Id), ["pwd"], now, null, labelWrite, cancellationToken);
            signIn = signIn with { Status = SignInStatus.Complete, CreatedSessionId = session.SessionId };
            sessionToken = session.Token;
        }
        else if (labelWrite is not null)
        {
            await users.RememberLabelAsync(labelWrite, cancellationToken);
        }

        signIn = await signIns.InsertAsync(signIn, cancellationToken);
        return TypedResults.Ok(SignInAttemptResource.From(signIn, user, now) with { ClientToken = token, SessionToken = sessionToken });
    }
}
