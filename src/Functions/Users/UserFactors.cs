namespace FunctionsMfa.Functions.Users;

/// <summary>Which second factors a user has enabled, derived from the stored rows.</summary>
internal sealed record UserFactors(bool TotpEnabled, int BackupCodesRemaining, IReadOnlyList<string> SecondFactorPhoneIds)
{
    public bool BackupCodeEnabled => BackupCodesRemaining > 0;

    /// <summary>Backup codes are a fallback, not a factor of their own: two-factor is on when TOTP or a phone is.</summary>
    public bool TwoFactorEnabled => TotpEnabled || SecondFactorPhoneIds.Count > 0;

    public static UserFactors From(UserSnapshot user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var totp = user.Row(UserRows.Totp);
        var totpEnabled = totp?.GetBoolean("Verified") == true;
        var backupCodes = user.RowsWithPrefix(UserRows.BackupCodePrefix).Count();
        var phones = user.RowsWithPrefix(UserRows.PhonePrefix)
            .Where(row => row.GetBoolean("Verified") == true && row.GetBoolean("ReservedForSecondFactor") == true)
            .OrderByDescending(row => row.GetBoolean("DefaultSecondFactor") == true)
            .Select(row => row.RowKey[UserRows.PhonePrefix.Length..])
            .ToList();
        return new UserFactors(totpEnabled, backupCodes, phones);
    }
}
