namespace FunctionsMfa.Domain.SignIns;

/// <summary>A sign-in attempt's status, as Clerk names them on the wire.</summary>
public enum SignInStatus
{
    NeedsSecondFactor,
    Complete,
    Abandoned,
}

public static class SignInStatusNames
{
    public static string ToWire(this SignInStatus status) => status switch
    {
        SignInStatus.NeedsSecondFactor => "needs_second_factor",
        SignInStatus.Complete => "complete",
        SignInStatus.Abandoned => "abandoned",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static SignInStatus Parse(string? wire) => wire switch
    {
        "needs_second_factor" => SignInStatus.NeedsSecondFactor,
        "complete" => SignInStatus.Complete,
        "abandoned" => SignInStatus.Abandoned,
        _ => throw new FormatException("Unknown sign-in status."),
    };
}
