namespace FunctionsMfa.Functions.Sms;

/// <summary>
/// One SMS for a provider. <see cref="Code"/> is there only for the local <c>File</c> provider's line; real providers
/// send <see cref="Body"/>. <see cref="RequestId"/>/<see cref="FirstSent"/> are stable across retries of one message.
/// </summary>
internal sealed record SmsRequest(string To, string Body, string Code, string RequestId, string FirstSent);

/// <summary>A provider's answer. <see cref="Reason"/> is safe to log: never message content.</summary>
internal readonly record struct SmsSendResult(bool Sent, string? Reason)
{
    public static SmsSendResult Success => new(true, null);

    public static SmsSendResult Failure(string reason) => new(false, reason);
}

/// <summary>The edge where an SMS leaves the service (ACS in production, a file locally, a recorder in tests).</summary>
internal interface ISmsProvider
{
    Task<SmsSendResult> SendAsync(SmsRequest request, CancellationToken cancellationToken);
}
