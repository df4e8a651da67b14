namespace FunctionsMfa.Functions.Wire;

/// <summary>The TOTP feature's rejections.</summary>
internal static partial class MfaErrors
{
    /// <summary>Creating (or verifying again) a TOTP while a verified one exists: delete it first.</summary>
    public static readonly MfaError TotpAlreadyEnabled = new(
        "totp_already_enabled", 400, "TOTP already enabled", "An authenticator app is already enabled for this account. Remove it before adding a new one.");

    /// <summary>A well-formed code that is wrong, outside the window, or already used (a replay).</summary>
    public static readonly MfaError FormCodeIncorrect = new MfaError(
        "form_code_incorrect", 422, "is incorrect", "Incorrect code").WithParam("code");
}
