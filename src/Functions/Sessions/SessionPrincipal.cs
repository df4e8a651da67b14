namespace FunctionsMfa.Functions.Sessions;

/// <summary>The verified claims of the caller's session token.</summary>
internal sealed record SessionPrincipal(string UserId, string SessionId, DateTimeOffset IssuedAt, int FirstFactorAgeMinutes, int SecondFactorAgeMinutes, IReadOnlyList<string> Amr)
{
    /// <summary>
    /// The user's partition as read when the session was checked (its row is in it). A handler decides on it and
    /// commits If-Match on its ETags; a handler that must retry reads the partition again.
    /// </summary>
    public Users.UserSnapshot User { get; init; } = new(UserId, new Dictionary<string, Azure.Data.Tables.TableEntity>());

    /// <summary>How long ago the second factor was verified, now; null when the session never had one.</summary>
    public TimeSpan? SecondFactorAge(DateTimeOffset now) =>
        SecondFactorAgeMinutes < 0 ? null : TimeSpan.FromMinutes(SecondFactorAgeMinutes) + (now - IssuedAt);

}

internal static class SessionPrincipalExtensions
{
    /// <summary>The caller of a <see cref="Hosting.Caller.Session"/> function, admitted by <see cref="Hosting.AuthenticationMiddleware"/>.</summary>
    public static SessionPrincipal Session(this HttpRequest request) =>
        request.HttpContext.Features.Get<SessionPrincipal>() ?? throw new InvalidOperationException("The function is not declared [CalledBy(Caller.Session)].");
}
