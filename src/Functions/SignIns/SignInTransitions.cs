using FunctionsMfa.Domain.SignIns;

namespace FunctionsMfa.Functions.SignIns;

/// <summary>
/// Applies the state machine's events to stored sign-ins. Each change is one write conditional on the ETag read; on a
/// conflict the sign-in is read again and the event applied to what is there now, so two concurrent completions cannot
/// both win and a completed sign-in is never reopened.
/// </summary>
internal sealed class SignInTransitions(SignInStore store, TimeProvider time)
{
    /// <summary>
    /// The sign-in after the event (as written), or the sign-in as it is and why the event was refused.
    /// <paramref name="alsoChange"/> adds fields to the same write (the session id, the verification).
    /// </summary>
    public async Task<(SignInRecord SignIn, SignInRefusal Refusal)> ApplyAsync(
        SignInRecord signIn, SignInEvent signInEvent, Func<SignInRecord, SignInRecord>? alsoChange, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signIn);
        for (var attempt = 0; attempt < Storage.Contention.MaxRounds; attempt++)
        {
            var transition = SignInStateMachine.Apply(signIn.Status, signInEvent, signIn.AbandonAt, time.GetUtcNow());
            if (!transition.IsAllowed)
            {
                return (signIn, transition.Refusal);
            }

            var next = signIn with { Status = transition.To!.Value };
            next = alsoChange is null ? next : alsoChange(next);
            var written = await store.TryReplaceAsync(next, cancellationToken);
            if (written is not null)
            {
                return (written, SignInRefusal.None);
            }

            signIn = await store.GetAsync(signIn.Id, cancellationToken)
                ?? throw new InvalidOperationException("A sign-in disappeared while it was being changed.");
        }

        throw new Storage.StorageContentionException("sign-in");
    }
}
