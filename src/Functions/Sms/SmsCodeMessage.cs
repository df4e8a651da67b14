using System.Text.Json;
using System.Text.Json.Serialization;

namespace FunctionsMfa.Functions.Sms;

/// <summary>
/// One SMS to send, as queued on <c>sms-codes</c>. The code is sealed (AES-256-GCM, bound to this message's id, user
/// and destination); nothing else in it is secret. <see cref="Id"/> and <see cref="FirstSent"/> are fixed when the
/// message is queued, so every retry sends ACS the same <c>repeatabilityRequestId</c>/<c>repeatabilityFirstSent</c>.
/// </summary>
internal sealed record SmsCodeMessage(
    int Version,
    string Id,
    string FirstSent,
    string UserId,
    string To,
    string Language,
    long ExpireAt,
    string Purpose,
    string KeyId,
    string SealedCode)
{
    public const int CurrentVersion = 1;

    public string AssociatedData => AssociatedDataFor(Id, UserId, To);

    public static string AssociatedDataFor(string id, string userId, string to) => "sms-code\n" + id + "\n" + userId + "\n" + to;
}

/// <summary>What an SMS code is for (kept in the message and the audit trail; never the code).</summary>
internal static class SmsPurposes
{
    public const string PhoneVerification = "phone_verification";
    public const string SignIn = "sign_in";
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SmsCodeMessage))]
[JsonSerializable(typeof(FileSmsLine))]
internal sealed partial class SmsJson : JsonSerializerContext;
