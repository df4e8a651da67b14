using System.Text.Json;
using System.Text.Json.Serialization;

namespace FunctionsMfa.Functions.Users;

/// <summary>The <c>user</c> MFA summary.</summary>
internal sealed record UserResource(
    string Id, bool TwoFactorEnabled, bool TotpEnabled, bool BackupCodeEnabled, int BackupCodesRemaining, IReadOnlyList<PhoneNumberSummary> PhoneNumbers)
{
    public string Object => "user";

    public static UserResource From(UserSnapshot user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var factors = user.Factors;
        return new UserResource(user.UserId, factors.TwoFactorEnabled, factors.TotpEnabled, factors.BackupCodeEnabled, factors.BackupCodesRemaining, user.Phones);
    }
}

/// <summary>A phone number as listed on the user; the phone-numbers feature owns the full resource.</summary>
internal sealed record PhoneNumberSummary(string Id, string PhoneNumber, bool Verified, bool ReservedForSecondFactor, bool DefaultSecondFactor)
{
    public string Object => "phone_number";

    /// <summary>Read at the storage boundary only (<see cref="UserSnapshot.Phones"/>).</summary>
    internal static PhoneNumberSummary From(Azure.Data.Tables.TableEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new PhoneNumberSummary(
            row.RowKey[UserRows.PhonePrefix.Length..],
            row.GetString("PhoneNumber") ?? string.Empty,
            row.GetBoolean("Verified") == true,
            row.GetBoolean("ReservedForSecondFactor") == true,
            row.GetBoolean("DefaultSecondFactor") == true);
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(UserResource))]
internal sealed partial class UserJson : JsonSerializerContext;
