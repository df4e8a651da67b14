namespace FunctionsMfa.Domain.Phone;

/// <summary>How a phone number is shown where the full number must not be (a sign-in's factors, logs, the audit trail).</summary>
public static class PhoneMask
{
    /// <summary>Clerk's mask: the leading <c>+</c>, then stars, then the last four digits.</summary>
    public static string Mask(string? e164) =>
        e164 is { Length: > 5 } ? "+" + new string('*', e164.Length - 5) + e164[^4..] : "+****";
}
