namespace FunctionsMfa.Functions.Users;

/// <summary>Which second factors a user has enabled, derived from the stored rows.</summary>
internal sealed record UserFactors(bool TotpEnabled, int BackupCodesRemaining, IReadOnlyList<string> SecondFactorPhoneIds)
{
    public bool BackupCodeEnabled => BackupCodesRemaining > 0;

    /// <summary>Backup codes are a fallback, not a factor of their own: two-factor is on when TOTP or a phone is.</summary>
    public bool TwoFactorEnabled => TotpEnabled || SecondFactorPhoneIds.Count > 0;

    /// <summary>Whether two-factor stays on once the TOTP (<paramref name="totp"/>) or one 2FA phone is taken away.</summary>
    public bool TwoFactorEnabledWithout(bool totp = false, string? phoneId = null) =>
        (TotpEnabled && !totp) || SecondFactorPhoneIds.Any(id => id != phoneId);

    /// <summary>Parsed once per snapshot: use <see cref="UserSnapshot.Factors"/>.</summary>
    public static UserFactors From(UserSnapshot user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var totpEnabled = user.Row(UserRows.Totp)?.GetBoolean("Verified") == true;
        var backupCodes = BackupCodes.BackupCodeStore.Remaining(user);
        var phones = user.Phones
            .Where(phone => phone.Verified && phone.ReservedForSecondFactor)
            .OrderByDescending(phone => phone.DefaultSecondFactor)
            .Select(phone => phone.Id)
            .ToList();
        return new UserFactors(totpEnabled, backupCodes, phones);
    }
}
