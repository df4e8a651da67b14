using Azure.Data.Tables;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.Sms;

/// <summary>
/// What every code send goes through, in this order: the destination rules, the user's limit (on the snapshot), the
/// number's limit (which spends a send slot), then the caller's transaction, which stores the code's hash with
/// <see cref="Authorization.UserLog"/>, and only then one queue message. Storing first means an SMS never carries a
/// code the service does not know, and the user's limit holds however many sends arrive at once.
/// </summary>
internal sealed class SmsCodeDispatch(SmsDestinations destinations, SmsLimitStore limits, SmsCodeQueue queue)
{
    /// <summary>The refusal to answer, or the user's log write for the caller's transaction (a number slot is then spent).</summary>
    public async Task<Authorization> AuthorizeAsync(UserSnapshot user, string e164, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        if ((destinations.Check(e164) ?? limits.UserRefusal(user)) is { } refused)
        {
            return new Authorization(refused, null);
        }

        return await limits.TryReserveNumberAsync(e164, cancellationToken) is { } busy
            ? new Authorization(busy, null)
            : new Authorization(null, limits.UserLogWrite(user));
    }

    /// <summary>The user's log write again, on a partition read anew after the transaction met a concurrent change; or the user's refusal now.</summary>
    public Authorization Reauthorize(UserSnapshot user) =>
        limits.UserRefusal(user) is { } refused ? new Authorization(refused, null) : new Authorization(null, limits.UserLogWrite(user));

    public Task EnqueueAsync(string userId, string e164, string code, DateTimeOffset expireAt, string language, string purpose, CancellationToken cancellationToken) =>
        queue.EnqueueAsync(userId, e164, code, expireAt, language, purpose, cancellationToken);

    public string LanguageFor(HttpContext context) => queue.LanguageFor(context);

    /// <summary>Either a refusal or the user's log write (<see cref="UserLog"/>) that the caller commits with the code.</summary>
    internal sealed record Authorization(MfaError? Refusal, TableTransactionAction? UserLog);
}
