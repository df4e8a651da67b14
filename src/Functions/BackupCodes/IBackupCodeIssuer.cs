using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.BackupCodes;

/// <summary>
/// The seam between enabling a first factor (TOTP enrolment, a phone reserved for 2FA) and backup codes: when the
/// user has none, a fresh set is prepared as writes for the enabling transaction, so the factor and its codes are
/// stored together or not at all, and the codes are returned once (Clerk's <c>backup_codes</c> on the verified <c>totp</c>).
/// </summary>
internal interface IBackupCodeIssuer
{
    /// <summary>The writes of a first set and its codes in clear, or null when the snapshot already has codes. No I/O.</summary>
    PreparedBackupCodes? PrepareIfNone(UserSnapshot user);
}
