using System.Text.Json;
using System.Text.Json.Serialization;

namespace FunctionsMfa.Functions.Totp;

/// <summary>
/// Clerk's <c>totp</c> object. <see cref="Secret"/>, <see cref="Uri"/> and <see cref="QrCode"/> are filled only in the
/// response that creates the secret and are null everywhere else; <see cref="BackupCodes"/> only when verification
/// issued a first set.
/// </summary>
internal sealed record TotpResource(
    string Id, string? Secret, string? Uri, string? QrCode, bool Verified, IReadOnlyList<string>? BackupCodes, long CreatedAt, long UpdatedAt)
{
    public string Object => "totp";

    public static TotpResource From(TotpRecord record, IReadOnlyList<string>? backupCodes = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new TotpResource(
            record.Id, null, null, null, record.Verified, backupCodes, record.CreatedAt.ToUnixTimeMilliseconds(), record.UpdatedAt.ToUnixTimeMilliseconds());
    }
}

/// <summary>Clerk's deleted-object answer.</summary>
internal sealed record DeletedTotpResource(string Id)
{
    public string Object => "totp";

    public bool Deleted => true;
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TotpResource))]
[JsonSerializable(typeof(DeletedTotpResource))]
internal sealed partial class TotpJson : JsonSerializerContext;
