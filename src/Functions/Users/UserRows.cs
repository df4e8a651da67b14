namespace FunctionsMfa.Functions.Users;

/// <summary>
/// The rows of one user's partition in <see cref="Storage.MfaTables.Users"/> (partition key = user id). Keeping a
/// user's factors in one partition lets one query read them all and one transaction change several at once.
/// </summary>
internal static class UserRows
{
    /// <summary>The app's display label for the user (<c>UserLabel</c>), from the latest sign-in that gave one.</summary>
    public const string Profile = "profile";

    /// <summary>Failure budget and lockout (the sign-in issue).</summary>
    public const string State = "state";

    /// <summary>The TOTP secret, sealed, with its last accepted step.</summary>
    public const string Totp = "totp";

    /// <summary>The backup-code set: its header and one property per unused code (<see cref="BackupCodes.BackupCodeStore"/>).</summary>
    public const string BackupCodeSet = "bcset";

    /// <summary>The properties of <see cref="BackupCodeSet"/> that hold an unused code: <c>bc_{keyed lookup hash}</c>.</summary>
    public const string BackupCodePrefix = "bc_";

    /// <summary>One row per phone number: <c>phone_{idn_…}</c>.</summary>
    public const string PhonePrefix = "phone_";

    /// <summary>Written by every add of a phone number (If-Match), so concurrent adds cannot pass the cap together.</summary>
    public const string PhoneSet = "phoneset";

    /// <summary>One row per live session: <c>session_{sess_…}</c>. A token whose row is gone is refused.</summary>
    public const string SessionPrefix = "session_";

    /// <summary>The user's recent SMS sends (a sliding day), for the per-user limit (<see cref="Sms.SmsLimitStore"/>).</summary>
    public const string SmsLog = "smslog";

    /// <summary>
    /// One row per sign-in that changed since its creation: <c>signin_{sia_…}</c> (status, verification, session;
    /// <see cref="SignIns.SignInStore"/>), kept a day past its <c>abandon_at</c>, then cleaned up by later commits.
    /// </summary>
    public const string SignInPrefix = "signin_";

    /// <summary>
    /// The audit trail's rows (<c>~{countdown}_{suffix}</c>, <see cref="Events.SecurityEventLog"/>). <c>~</c> sorts after
    /// every other row key of the partition, so <see cref="UserStore.LoadAsync"/> reads everything before it and no event.
    /// </summary>
    public const string EventPrefix = "~";

    /// <summary>
    /// User ids are the app's own; they become partition keys, so they keep to characters Table Storage allows in a key
    /// and that need no escaping in a URL path. <c>.</c> and <c>..</c> are path segments every client and server
    /// resolves away (<c>/v1/users/../events</c> is <c>/v1/events</c>), so no <c>/v1/users/{id}</c> route could reach them.
    /// </summary>
    public static bool IsValidUserId(string? userId) =>
        userId is { Length: > 0 and <= 128 } and not ("." or "..") &&
        userId.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '@' or ':' or '+' or '=');
}
