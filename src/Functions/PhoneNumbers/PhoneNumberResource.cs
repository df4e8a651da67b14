using System.Text.Json;
using System.Text.Json.Serialization;
using FunctionsMfa.Domain.Phone;

namespace FunctionsMfa.Functions.PhoneNumbers;

/// <summary>Clerk's <c>phone_number</c>.</summary>
internal sealed record PhoneNumberResource(
    string Id, string PhoneNumber, PhoneVerificationResource? Verification, bool ReservedForSecondFactor, bool DefaultSecondFactor, long CreatedAt, long UpdatedAt)
{
    public string Object => "phone_number";

    /// <summary>As in Clerk: the new backup codes, once, when reserving this number turned two-factor on.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? BackupCodes { get; init; }

    public static PhoneNumberResource From(PhoneNumberRecord phone, DateTimeOffset now, PhoneCodePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(phone);
        return new PhoneNumberResource(
            phone.Id,
            phone.PhoneNumber,
            PhoneVerificationResource.From(phone.Verification, now, policy),
            phone.ReservedForSecondFactor,
            phone.DefaultSecondFactor,
            phone.CreatedAt.ToUnixTimeMilliseconds(),
            phone.UpdatedAt.ToUnixTimeMilliseconds());
    }
}

/// <summary>Clerk's verification object: null until a code was sent.</summary>
internal sealed record PhoneVerificationResource(string Status, string Strategy, int Attempts, long? ExpireAt)
{
    public static PhoneVerificationResource? From(PhoneCodeVerification verification, DateTimeOffset now, PhoneCodePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(verification);
        var status = verification.Status(now, policy);
        return status == PhoneVerificationStatus.None
            ? null
            : new PhoneVerificationResource(ToWire(status), "phone_code", verification.Attempts, verification.ExpireAt?.ToUnixTimeMilliseconds());
    }

    public static string ToWire(PhoneVerificationStatus status) => status switch
    {
        PhoneVerificationStatus.Unverified => "unverified",
        PhoneVerificationStatus.Verified => "verified",
        PhoneVerificationStatus.Failed => "failed",
        PhoneVerificationStatus.Expired => "expired",
        _ => "unverified",
    };
}

/// <summary>Clerk's deleted-object answer.</summary>
internal sealed record DeletedPhoneNumber(string Id)
{
    public string Object => "phone_number";

    public bool Deleted => true;
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PhoneNumberResource))]
[JsonSerializable(typeof(DeletedPhoneNumber))]
internal sealed partial class PhoneNumberJson : JsonSerializerContext;
