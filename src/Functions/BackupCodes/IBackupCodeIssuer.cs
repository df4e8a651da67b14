namespace FunctionsMfa.Functions.BackupCodes;

/// <summary>
/// The seam between TOTP enrolment and backup codes: when a user verifies their first factor and has no backup codes,
/// a fresh set is issued and returned once (Clerk's <c>backup_codes</c> on the verified <c>totp</c>).
/// </summary>
internal interface IBackupCodeIssuer
{
    /// <summary>The new codes in clear (to show once), or null when the user already has codes.</summary>
    Task<IReadOnlyList<string>?> IssueIfNoneAsync(string userId, CancellationToken cancellationToken);
}
