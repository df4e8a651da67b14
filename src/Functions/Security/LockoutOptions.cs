using System.ComponentModel.DataAnnotations;
using FunctionsMfa.Domain.SignIns;

namespace FunctionsMfa.Functions.Security;

/// <summary><c>Mfa:Lockout</c>: the failure budget shared by every strategy and every sign-in of a user.</summary>
internal sealed class LockoutOptions
{
    public const string Section = "Mfa:Lockout";

    /// <summary>Consecutive failed second-factor attempts that lock the user.</summary>
    [Range(1, 1000)]
    public int MaxFailures { get; set; } = 10;

    /// <summary>How long the lock lasts.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromHours(1);

    public FailureBudgetPolicy Policy => new(MaxFailures, Duration);
}
