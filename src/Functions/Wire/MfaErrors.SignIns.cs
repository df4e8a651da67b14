namespace FunctionsMfa.Functions.Wire;

/// <summary>The sign-in second factor's rejections, and the failure budget's.</summary>
internal static partial class MfaErrors
{
    public static readonly MfaError SignInAlreadyCompleted = new(
        "sign_in_already_completed", 409, "is already completed",
        "This sign-in is already complete. Start a new sign-in to sign in again.");

    public static readonly MfaError SignInExpired = new(
        "sign_in_expired", 410, "has expired",
        "This sign-in has expired. Start a new sign-in.");

    public static readonly MfaError SignInAbandoned = new(
        "sign_in_abandoned", 410, "was abandoned",
        "This sign-in was abandoned after too many failed attempts. Start a new sign-in later.");

    /// <summary>Concurrent requests kept changing the sign-in; nothing was lost, the client may read it and retry.</summary>
    public static readonly MfaError SignInChanged = new(
        "sign_in_changed", 409, "was changed",
        "This sign-in was changed by another request at the same time. Fetch it and try again.");

    public static MfaError StrategyForUserInvalid { get; } = new MfaError(
        "strategy_for_user_invalid", 422, "is invalid",
        "This verification strategy is not available for this sign-in.").WithParam("strategy");

    /// <summary>The user is locked out for <paramref name="seconds"/>; a locked user's codes are not even evaluated.</summary>
    public static MfaError UserLocked(int seconds) => new MfaError(
        "user_locked", 403, "Account locked",
        "Your account is locked after too many failed attempts. Please try again later or contact support.")
    {
        Meta = new ErrorMeta { AttemptsRemaining = 0, LockoutExpiresInSeconds = seconds },
    };
}
