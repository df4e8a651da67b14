using System.Globalization;
using System.Text;
using System.Text.Json;
using FunctionsMfa.Domain.Phone;
using FunctionsMfa.Functions.Crypto;
using FunctionsMfa.Functions.Storage;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Sms;

/// <summary>The HTTP side of the SMS path: one message on <c>sms-codes</c> per code, then return. Round trips: 1.</summary>
internal sealed class SmsCodeQueue(MfaStorage storage, SecretProtector protector, IOptions<SmsOptions> options, TimeProvider time)
{
    public async Task EnqueueAsync(string userId, string to, string code, DateTimeOffset expireAt, string language, string purpose, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("D");
        var sealedCode = protector.Seal(Encoding.UTF8.GetBytes(code), SmsCodeMessage.AssociatedDataFor(id, userId, to));
        var message = new SmsCodeMessage(
            SmsCodeMessage.CurrentVersion,
            id,
            time.GetUtcNow().ToString("R", CultureInfo.InvariantCulture),
            userId,
            to,
            language,
            expireAt.ToUnixTimeMilliseconds(),
            purpose,
            sealedCode.KeyId,
            Convert.ToBase64String(sealedCode.Blob));
        var queue = await storage.QueueAsync(MfaQueues.SmsCodes);
        await queue.SendMessageAsync(JsonSerializer.Serialize(message, SmsJson.Default.SmsCodeMessage), cancellationToken);
    }

    /// <summary>The template language for a request's <c>Accept-Language</c>.</summary>
    public string LanguageFor(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var value = options.Value;
        return SmsTemplate.PickLanguage(context.Request.Headers.AcceptLanguage.ToString(), value.EffectiveTemplates.Keys, value.DefaultLanguage);
    }
}
