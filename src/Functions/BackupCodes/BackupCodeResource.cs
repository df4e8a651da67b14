using System.Text.Json;
using System.Text.Json.Serialization;

namespace FunctionsMfa.Functions.BackupCodes;

/// <summary>Clerk's <c>backup_code</c>: the codes are in this response only.</summary>
internal sealed record BackupCodeResource(string Id, IReadOnlyList<string> Codes, long CreatedAt, long UpdatedAt)
{
    public string Object => "backup_code";

    public static BackupCodeResource From(IssuedBackupCodes issued)
    {
        ArgumentNullException.ThrowIfNull(issued);
        return new BackupCodeResource(issued.Id, issued.Codes, issued.CreatedAt.ToUnixTimeMilliseconds(), issued.UpdatedAt.ToUnixTimeMilliseconds());
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BackupCodeResource))]
internal sealed partial class BackupCodeJson : JsonSerializerContext;
