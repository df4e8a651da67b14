using Azure;
using Azure.Data.Tables;
using FunctionsMfa.Domain.Phone;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.PhoneNumbers;

/// <summary>
/// A phone number on a user (table <c>mfausers</c>, partition = user id, row <c>phone_{idn_…}</c>). The columns
/// <c>PhoneNumber</c>, <c>Verified</c>, <c>ReservedForSecondFactor</c>, <c>DefaultSecondFactor</c> are read by
/// <see cref="UserFactors"/>; the verification in progress keeps only the code's keyed hash, its expiry and the wrong tries.
/// </summary>
internal sealed record PhoneNumberRecord
{
    public required string Id { get; init; }

    public required string UserId { get; init; }

    public required string PhoneNumber { get; init; }

    public bool ReservedForSecondFactor { get; init; }

    public bool DefaultSecondFactor { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public PhoneCodeVerification Verification { get; init; } = PhoneCodeVerification.Empty;

    public bool Verified => Verification.Verified;

    public ETag ETag { get; init; }

    public string RowKey => UserRows.PhonePrefix + Id;

    public TableEntity ToEntity() => new(UserId, RowKey)
    {
        ["PhoneNumber"] = PhoneNumber,
        ["Verified"] = Verification.Verified,
        ["ReservedForSecondFactor"] = ReservedForSecondFactor,
        ["DefaultSecondFactor"] = DefaultSecondFactor,
        ["CreatedAt"] = CreatedAt,
        ["UpdatedAt"] = UpdatedAt,
        ["CodeHash"] = Verification.CodeHash,
        ["CodeExpireAt"] = Verification.ExpireAt,
        ["VerificationAttempts"] = Verification.Attempts,
    };

    public static PhoneNumberRecord FromEntity(TableEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return new PhoneNumberRecord
        {
            Id = entity.RowKey[UserRows.PhonePrefix.Length..],
            UserId = entity.PartitionKey,
            PhoneNumber = entity.GetString("PhoneNumber") ?? string.Empty,
            ReservedForSecondFactor = entity.GetBoolean("ReservedForSecondFactor") == true,
            DefaultSecondFactor = entity.GetBoolean("DefaultSecondFactor") == true,
            CreatedAt = entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
            UpdatedAt = entity.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue,
            Verification = new PhoneCodeVerification(
                entity.GetBinary("CodeHash"),
                entity.GetDateTimeOffset("CodeExpireAt"),
                entity.GetInt32("VerificationAttempts") ?? 0,
                entity.GetBoolean("Verified") == true),
            ETag = entity.ETag,
        };
    }

    /// <summary>The keyed-hash purpose of a code: bound to this number and to the code's expiry, so each code is its own.</summary>
    public static string CodePurpose(string phoneId, DateTimeOffset expireAt) =>
        "phone-code\n" + phoneId + "\n" + expireAt.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static bool IsWellFormedId(string? id) =>
        id is { Length: > 4 and <= 40 } && id.StartsWith("idn_", StringComparison.Ordinal) && id.AsSpan(4).IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyz234567") < 0;
}
