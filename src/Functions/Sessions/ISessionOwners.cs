namespace FunctionsMfa.Functions.Sessions;

/// <summary>
/// Whose session an id is, for the backend's revocation, which names a session and no user. Sessions are made by
/// sign-ins, so the sign-ins feature answers (<c>SignIns/SignInSessionOwners.cs</c>); this feature depends on the
/// question only.
/// </summary>
internal interface ISessionOwners
{
    /// <summary>The user whose session <paramref name="sessionId"/> is, or null for an id no sign-in created.</summary>
    Task<string?> UserOfAsync(string sessionId, CancellationToken cancellationToken);
}
