using System.Text;
using System.Text.Json;
using FunctionsMfa.Domain.Phone;
using FunctionsMfa.Functions.Auth;
using FunctionsMfa.Functions.Crypto;
using FunctionsMfa.Functions.Events;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Sms;

/// <summary>
/// The queue-triggered function on <c>sms-codes</c>: opens the sealed code, renders the text in the message's
/// language and hands it to the provider. A failure throws, so the host retries; on the last allowed dequeue
/// (<c>host.json</c>'s <c>maxDequeueCount</c>) a failure means the message goes to <c>sms-codes-poison</c>, which is
/// logged and audited here (the host moves it). A code that expired while queued is dropped: sending it would only
/// confuse.
/// </summary>
internal sealed partial class SendSmsCode(
    ISmsProvider provider,
    SecretProtector protector,
    SecurityEventLog events,
    IOptions<SmsOptions> options,
    IOptions<MfaOptions> mfa,
    IOptions<HostQueueOptions> queues,
    TimeProvider time,
    ILogger<SendSmsCode> logger)
{
    [Function(nameof(SendSmsCode))]
    public async Task Run([QueueTrigger(Storage.MfaQueues.SmsCodes)] string message, long dequeueCount, string id, CancellationToken cancellationToken)
    {
        var outcome = await HandleAsync(new QueueInvocation(message, dequeueCount, id), cancellationToken);
        if (!outcome.Succeeded)
        {
            // The reason only ("provider failure", "malformed message"): never the message, which holds the sealed code.
            throw new SmsNotSentException(outcome.Reason ?? "failed");
        }
    }

    public async Task<QueueOutcome> HandleAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var message = Read(invocation.MessageText);
        if (message is null)
        {
            return await FailAsync(invocation, null, "malformed message", cancellationToken);
        }

        var now = time.GetUtcNow();
        if (now.ToUnixTimeMilliseconds() >= message.ExpireAt)
        {
            LogExpired(logger, message.Id, invocation.DequeueCount);
            return QueueOutcome.Success;
        }

        var opened = TryOpen(message);
        if (opened is null)
        {
            return await FailAsync(invocation, message, "code cannot be opened", cancellationToken);
        }

        var templates = options.Value.EffectiveTemplates;
        var template = templates.GetValueOrDefault(message.Language) ?? templates.GetValueOrDefault(options.Value.DefaultLanguage) ?? SmsTemplate.Defaults[SmsTemplate.DefaultLanguage];
        var minutes = (int)Math.Ceiling((DateTimeOffset.FromUnixTimeMilliseconds(message.ExpireAt) - now).TotalMinutes);
        var body = SmsTemplate.Render(template, mfa.Value.Issuer, opened, minutes);

        SmsSendResult result;
        try
        {
            result = await provider.SendAsync(new SmsRequest(message.To, body, opened, message.Id, message.FirstSent), cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            result = SmsSendResult.Failure(exception.GetType().Name);
        }

        if (!result.Sent)
        {
            return await FailAsync(invocation, message, result.Reason ?? "provider failure", cancellationToken);
        }

        LogSent(logger, message.Id, PhoneMask.Mask(message.To), invocation.DequeueCount);
        return QueueOutcome.Success;
    }

    private string? TryOpen(SmsCodeMessage message)
    {
        try
        {
            var plaintext = protector.Open(new SealedSecret(message.KeyId, Convert.FromBase64String(message.SealedCode)), message.AssociatedData);
            if (plaintext is null)
            {
                return null;
            }

            var code = Encoding.UTF8.GetString(plaintext);
            return PhoneCodes.IsWellFormed(code) ? code : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private async Task<QueueOutcome> FailAsync(QueueInvocation invocation, SmsCodeMessage? message, string reason, CancellationToken cancellationToken)
    {
        var id = message?.Id ?? invocation.MessageId ?? "unknown";
        if (invocation.DequeueCount >= queues.Value.MaxDequeueCount)
        {
            LogPoisoned(logger, id, invocation.DequeueCount, reason);
            if (message is not null)
            {
                await events.RecordAsync(message.UserId, SecurityEventTypes.SmsPoisoned, new Dictionary<string, string>
                {
                    ["message_id"] = message.Id,
                    ["to"] = PhoneMask.Mask(message.To),
                    ["purpose"] = message.Purpose,
                    ["reason"] = reason,
                }, cancellationToken);
            }
        }
        else
        {
            LogFailed(logger, id, invocation.DequeueCount, reason);
        }

        return QueueOutcome.Failure(reason);
    }

    private static SmsCodeMessage? Read(string text)
    {
        try
        {
            var message = JsonSerializer.Deserialize(text, SmsJson.Default.SmsCodeMessage);
            return message is { Version: SmsCodeMessage.CurrentVersion, Id.Length: > 0, To.Length: > 0, UserId.Length: > 0, SealedCode.Length: > 0, KeyId.Length: > 0 }
                ? message
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SMS {MessageId} sent to {To} (dequeue {DequeueCount})")]
    private static partial void LogSent(ILogger logger, string messageId, string to, long dequeueCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "SMS {MessageId} dropped: its code expired while queued (dequeue {DequeueCount})")]
    private static partial void LogExpired(ILogger logger, string messageId, long dequeueCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SMS {MessageId} failed (dequeue {DequeueCount}): {Reason}; the host will retry")]
    private static partial void LogFailed(ILogger logger, string messageId, long dequeueCount, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "SMS {MessageId} failed on its last dequeue ({DequeueCount}): {Reason}; it goes to sms-codes-poison")]
    private static partial void LogPoisoned(ILogger logger, string messageId, long dequeueCount, string reason);
}

/// <summary>A queue message as the trigger hands it to the function.</summary>
internal sealed record QueueInvocation(string MessageText, long DequeueCount, string? MessageId);

/// <summary>What the function made of one message. A failure makes the host retry, then move it to the poison queue.</summary>
internal readonly record struct QueueOutcome(bool Succeeded, string? Reason)
{
    public static QueueOutcome Success => new(true, null);

    public static QueueOutcome Failure(string reason) => new(false, reason);
}

/// <summary>Thrown so that the host retries the message; carries the reason only.</summary>
internal sealed class SmsNotSentException(string reason) : Exception($"SMS not sent: {reason}");
