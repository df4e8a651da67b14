namespace FunctionsMfa.Functions.Wire;

/// <summary>The backup codes' rejections.</summary>
internal static partial class MfaErrors
{
    public static readonly MfaError BackupCodesNotAvailable = new(
        "backup_codes_not_available", 422, "are not available",
        "Backup codes can be created only when another second factor (authenticator app or phone) is enabled.");
}
