using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Sessions;

/// <summary>
/// Step-up: for a user who already has a second factor, changing one needs a session whose second factor is recent
/// (<c>fva[1]</c> within the window), else <c>session_reverification_required</c>.
/// </summary>
internal sealed class StepUp(IOptions<SessionTokenOptions> options, TimeProvider time)
{
    public MfaError? Check(SessionPrincipal session, bool userHasSecondFactor)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!userHasSecondFactor)
        {
            return null;
        }

        var age = session.SecondFactorAge(time.GetUtcNow());
        return age is { } value && value <= options.Value.ReverificationWindow ? null : MfaErrors.SessionReverificationRequired;
    }
}
