using System.ComponentModel.DataAnnotations;

namespace FunctionsMfa.Functions.BackupCodes;

/// <summary><c>Mfa:BackupCodes</c>.</summary>
internal sealed class BackupCodeOptions
{
    public const string Section = "Mfa:BackupCodes";

    /// <summary>
    /// PBKDF2-SHA256 iterations of each stored code. The keyed lookup hash already makes a table dump useless without
    /// the hash key; this slow hash is the second wall. Each row keeps its own count, so changing it affects new sets only.
    /// </summary>
    [Range(1_000, 10_000_000)]
    public int Pbkdf2Iterations { get; set; } = 20_000;
}
