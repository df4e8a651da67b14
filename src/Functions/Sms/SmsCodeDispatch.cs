namespace FunctionsMfa.Functions.Sms;

/// <summary>
/// What every code send goes through, in this order: the destination rules, the abuse limits (which spend a send
/// slot), then, after the caller stored the code's hash with its own conditional write, one queue message.
/// Storing first means an SMS never carries a code the service does not know.
/// </summary>
internal sealed class SmsCodeDispatch(SmsDestinations destinations, SmsLimitStore limits, SmsCodeQueue queue)
{
    /// <summary>Null when a code may be sent now (and a send slot is spent); else the error to answer.</summary>
    public async Task<MfaError?> AuthorizeAsync(string userId, string e164, CancellationToken cancellationToken) =>
        destinations.Check(e164) ?? await limits.TryReserveAsync(userId, e164, cancellationToken);

    public Task EnqueueAsync(string userId, string e164, string code, DateTimeOffset expireAt, string language, string purpose, CancellationToken cancellationToken) =>
        queue.EnqueueAsync(userId, e164, code, expireAt, language, purpose, cancellationToken);

    public string LanguageFor(HttpContext context) => queue.LanguageFor(context);
}
