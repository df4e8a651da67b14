using FunctionsMfa.Functions.Sessions;

namespace FunctionsMfa.Functions.SignIns;

/// <summary>
/// A session id carries the random part of the sign-in that created it (<see cref="SessionStore.IdFor"/>), so its owner
/// is that sign-in's user (the session row, if any, is in that user's partition). Round trips: 1 (the sign-in's point read).
/// </summary>
internal sealed class SignInSessionOwners(SignInStore signIns) : ISessionOwners
{
    public async Task<string?> UserOfAsync(string sessionId, CancellationToken cancellationToken)
    {
        var signInId = SessionStore.SignInIdOf(sessionId);
        var signIn = signInId is not null && SignInIds.IsWellFormed(signInId) ? await signIns.GetAsync(signInId, cancellationToken) : null;
        return signIn?.UserId;
    }
}
