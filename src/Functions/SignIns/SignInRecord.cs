using Azure;
using Azure.Data.Tables;
using FunctionsMfa.Domain.SignIns;

namespace FunctionsMfa.Functions.SignIns;

/// <summary>
/// A sign-in attempt. What never changes (its user, client token hash, times, label) is the row written at creation in
/// table <c>mfasignins</c> (partition = sign-in id), which maps the id to its user. What an attempt changes (status,
/// verification, session) is a row of the user's partition, <c>signin_{sia_…}</c> (<see cref="SignInStore.Current"/>),
/// written in the same transaction as the outcome it records; until the first such write the creation row's values stand.
/// </summary>
internal sealed record SignInRecord
{
    public const string RowKey = "signin";

    public required string Id { get; init; }

    public required string UserId { get; init; }

    public string? UserLabel { get; init; }

    public required SignInStatus Status { get; init; }

    /// <summary>HMAC of the client token; the token itself is shown once and never stored.</summary>
    public required byte[] ClientTokenHash { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset AbandonAt { get; init; }

    public string? CreatedSessionId { get; init; }

    /// <summary>The second-factor verification in progress or done; null until one is prepared or attempted.</summary>
    public SecondFactorState? SecondFactor { get; init; }

    /// <summary>The ETag of the state row in the user's partition as read; null while there is none.</summary>
    public ETag? StateETag { get; init; }

    public TableEntity ToEntity()
    {
        var entity = new TableEntity(Id, RowKey)
        {
            ["UserId"] = UserId,
            ["UserLabel"] = UserLabel,
            ["Status"] = Status.ToWire(),
            ["ClientTokenHash"] = ClientTokenHash,
            ["CreatedAt"] = CreatedAt,
            ["AbandonAt"] = AbandonAt,
            ["CreatedSessionId"] = CreatedSessionId,
        };
        SecondFactor?.WriteTo(entity);
        return entity;
    }

    public static SignInRecord FromEntity(TableEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return new SignInRecord
        {
            Id = entity.PartitionKey,
            UserId = entity.GetString("UserId"),
            UserLabel = entity.GetString("UserLabel"),
            Status = SignInStatusNames.Parse(entity.GetString("Status")),
            ClientTokenHash = entity.GetBinary("ClientTokenHash") ?? [],
            CreatedAt = entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
            AbandonAt = entity.GetDateTimeOffset("AbandonAt") ?? DateTimeOffset.MinValue,
            CreatedSessionId = entity.GetString("CreatedSessionId"),
            SecondFactor = SecondFactorState.ReadFrom(entity),
        };
    }
}

/// <summary>
/// The sign-in's <c>second_factor_verification</c>. For <c>phone_code</c> it carries the code's keyed hash, its
/// expiry and the wrong tries; <c>totp</c> and <c>backup_code</c> have neither attempts nor expiry, as in Clerk.
/// </summary>
internal sealed record SecondFactorState(string Strategy, string Status)
{
    public int? Attempts { get; init; }

    public DateTimeOffset? ExpireAt { get; init; }

    public string? PhoneNumberId { get; init; }

    public byte[]? CodeHash { get; init; }

    public void WriteTo(TableEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        entity["SfStrategy"] = Strategy;
        entity["SfStatus"] = Status;
        entity["SfAttempts"] = Attempts;
        entity["SfExpireAt"] = ExpireAt;
        entity["SfPhoneNumberId"] = PhoneNumberId;
        entity["SfCodeHash"] = CodeHash;
    }

    public static SecondFactorState? ReadFrom(TableEntity entity) =>
        entity.GetString("SfStrategy") is { } strategy
            ? new SecondFactorState(strategy, entity.GetString("SfStatus") ?? "unverified")
            {
                Attempts = entity.GetInt32("SfAttempts"),
                ExpireAt = entity.GetDateTimeOffset("SfExpireAt"),
                PhoneNumberId = entity.GetString("SfPhoneNumberId"),
                CodeHash = entity.GetBinary("SfCodeHash"),
            }
            : null;
}
