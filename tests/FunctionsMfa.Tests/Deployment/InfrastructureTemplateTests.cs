using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FunctionsMfa.Tests.Deployment;

/// <summary>
/// The security settings of the deployment, read from the ARM template that infra/main.bicep compiles to (the form
/// Azure actually receives), including every nested module's template.
/// </summary>
public sealed partial class InfrastructureTemplateTests
{
    private static readonly Lazy<JsonObject> Root = new(() =>
        JsonNode.Parse(File.ReadAllText(RepositoryFiles.CompiledTemplatePath()))!.AsObject());

    // Built-in role definition ids.
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";

    private static readonly string[] SecretSettings =
        ["Mfa__SecretKeys__0", "Mfa__Sessions__SigningKeys__0", "Mfa__Encryption__Keys__0", "Mfa__Encryption__HashKey"];

    [Fact]
    public void Function_app_runs_the_dotnet_isolated_worker_10_on_flex_consumption_with_a_system_assigned_identity()
    {
        var plan = Single("Microsoft.Web/serverfarms");
        Assert.Equal("FC1", (string?)plan["sku"]?["name"]);
        Assert.Equal("FlexConsumption", (string?)plan["sku"]?["tier"]);
        Assert.True((bool?)plan["properties"]?["reserved"], "the plan must be Linux (reserved: true)");

        var site = Site();
        Assert.Contains("linux", (string?)site["kind"], StringComparison.Ordinal);
        Assert.Equal("SystemAssigned", (string?)site["identity"]?["type"]);
        var config = site["properties"]!["functionAppConfig"]!;
        Assert.Equal("dotnet-isolated", (string?)config["runtime"]?["name"]);
        Assert.Equal("10.0", (string?)config["runtime"]?["version"]);
        Assert.Equal("blobContainer", (string?)config["deployment"]?["storage"]?["type"]);
        Assert.Equal("SystemAssignedIdentity", (string?)config["deployment"]?["storage"]?["authentication"]?["type"]);
    }

    [Fact]
    public void Function_app_accepts_only_https_with_tls_1_2_or_later()
    {
        var properties = Site()["properties"]!;
        Assert.True((bool?)properties["httpsOnly"]);
        Assert.Equal("1.2", (string?)properties["siteConfig"]?["minTlsVersion"]);
        Assert.Equal("Disabled", (string?)properties["siteConfig"]?["ftpsState"]);
        foreach (var policy in Resources().Where(r => Type(r) == "Microsoft.Web/sites/basicPublishingCredentialsPolicies"))
        {
            Assert.False((bool?)policy["properties"]?["allow"], "publishing with a user name and password must be off");
        }
    }

    [Fact]
    public void Storage_account_refuses_shared_keys_plain_http_and_old_tls()
    {
        var properties = Single("Microsoft.Storage/storageAccounts")["properties"]!;
        Assert.False((bool?)properties["allowSharedKeyAccess"]);
        Assert.Equal("TLS1_2", (string?)properties["minimumTlsVersion"]);
        Assert.True((bool?)properties["supportsHttpsTrafficOnly"]);
        Assert.False((bool?)properties["allowBlobPublicAccess"]);
    }

    [Fact]
    public void App_identity_gets_blob_queue_and_table_data_roles_on_the_storage_account()
    {
        var assignments = RoleAssignments();
        foreach (var role in new[] { StorageBlobDataOwner, StorageQueueDataContributor, StorageTableDataContributor })
        {
            var assignment = Assert.Single(assignments, a => a.Role.Contains(role, StringComparison.OrdinalIgnoreCase));
            Assert.Contains("Microsoft.Storage/storageAccounts", assignment.Scope, StringComparison.Ordinal);
            Assert.Contains("principalId", assignment.Principal, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void App_settings_use_the_identity_for_storage_and_no_worker_runtime_setting()
    {
        var settings = AppSettings();
        Assert.Contains("AzureWebJobsStorage__accountName", settings.Keys);
        Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys);
        // Flex Consumption takes the runtime from functionAppConfig and rejects FUNCTIONS_WORKER_RUNTIME.
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", settings.Keys);
        Assert.DoesNotContain("FUNCTIONS_EXTENSION_VERSION", settings.Keys);
    }

    [Fact]
    public void Secrets_are_key_vault_references_read_by_the_app_identity()
    {
        var settings = AppSettings();
        foreach (var name in SecretSettings)
        {
            Assert.True(settings.TryGetValue(name, out var value), $"{name} is not an app setting");
            Assert.StartsWith("[format('@Microsoft.KeyVault(SecretUri=", value, StringComparison.Ordinal);
        }

        // Anything else that sounds like a credential must be a reference too (the App Insights connection string
        // carries no credential: the component's local auth is off).
        foreach (var (name, value) in settings.Where(s => CredentialLike().IsMatch(s.Key) && s.Key != "APPLICATIONINSIGHTS_CONNECTION_STRING"))
        {
            Assert.Contains("@Microsoft.KeyVault(SecretUri=", value, StringComparison.Ordinal);
        }

        var vault = Single("Microsoft.KeyVault/vaults")["properties"]!;
        Assert.True((bool?)vault["enableRbacAuthorization"]);
        Assert.True((bool?)vault["enableSoftDelete"]);
        Assert.True((bool?)vault["enablePurgeProtection"]);
        var secretsUser = Assert.Single(RoleAssignments(), a => a.Role.Contains(KeyVaultSecretsUser, StringComparison.OrdinalIgnoreCase));
        Assert.Contains("Microsoft.KeyVault/vaults", secretsUser.Scope, StringComparison.Ordinal);
    }

    [Fact]
    public void No_output_carries_a_secret()
    {
        foreach (var template in Templates())
        {
            foreach (var (name, output) in template["outputs"]?.AsObject() ?? [])
            {
                var type = ((string?)output?["type"] ?? string.Empty).ToLowerInvariant();
                Assert.False(type.StartsWith("secure", StringComparison.Ordinal), $"output {name} is {type}");
                Assert.False(CredentialLike().IsMatch(name.Replace("keyVault", string.Empty, StringComparison.OrdinalIgnoreCase)), $"output {name} sounds like a secret");
                var value = Text(output?["value"]);
                Assert.False(SecretFunction().IsMatch(value), $"output {name} reads a secret: {value}");
            }
        }
    }

    [Fact]
    public void No_secure_parameter_has_a_default()
    {
        foreach (var template in Templates())
        {
            foreach (var (name, parameter) in template["parameters"]?.AsObject() ?? [])
            {
                var type = ((string?)parameter?["type"] ?? string.Empty).ToLowerInvariant();
                if (type.StartsWith("secure", StringComparison.Ordinal) || CredentialLike().IsMatch(name))
                {
                    Assert.Null(parameter?["defaultValue"]);
                }

                var value = Text(parameter?["defaultValue"]);
                Assert.False(SecretFunction().IsMatch(value), $"parameter {name}'s default reads a secret");
            }
        }
    }

    [Fact]
    public void Bicep_uses_no_registry_modules()
    {
        foreach (var file in Directory.EnumerateFiles(RepositoryFiles.PathOf("infra"), "*.bicep*", SearchOption.AllDirectories))
        {
            Assert.DoesNotMatch(@"module\s+\w+\s+'(br|ts)[:/]", File.ReadAllText(file));
        }
    }

    [GeneratedRegex("secret|password|token|connectionstring|key", RegexOptions.IgnoreCase)]
    private static partial Regex CredentialLike();

    [GeneratedRegex(@"list(Keys|Secrets|ConnectionStrings|AccountSas|ServiceSas)?\(|primaryKey|AccountKey=", RegexOptions.IgnoreCase)]
    private static partial Regex SecretFunction();

    private static string? Type(JsonNode? resource) => (string?)resource?["type"];

    /// <summary>The main template and every nested module template.</summary>
    private static IEnumerable<JsonObject> Templates()
    {
        var pending = new Stack<JsonObject>([Root.Value]);
        while (pending.TryPop(out var template))
        {
            yield return template;
            foreach (var resource in ResourcesOf(template))
            {
                if (Type(resource) == "Microsoft.Resources/deployments" && resource?["properties"]?["template"] is JsonObject nested)
                {
                    pending.Push(nested);
                }
            }
        }
    }

    private static IEnumerable<JsonNode?> ResourcesOf(JsonObject template) => template["resources"] switch
    {
        JsonArray array => array,
        JsonObject symbolic => symbolic.Select(p => p.Value),
        _ => [],
    };

    private static IEnumerable<JsonNode> Resources() => Templates().SelectMany(ResourcesOf).OfType<JsonNode>();

    private static JsonNode Single(string type) => Assert.Single(Resources(), r => Type(r) == type);

    private static JsonNode Site() => Single("Microsoft.Web/sites");

    /// <summary>Role assignments with the role definition id's variables resolved (Bicep keeps the GUIDs in a variable).</summary>
    private static List<(string Role, string Scope, string Principal)> RoleAssignments() =>
        [.. Templates().SelectMany(t => ResourcesOf(t).OfType<JsonNode>()
            .Where(r => Type(r) == "Microsoft.Authorization/roleAssignments")
            .Select(r => (
                ResolveVariables(t, (string?)r["properties"]?["roleDefinitionId"] ?? string.Empty),
                (string?)r["scope"] ?? string.Empty,
                (string?)r["properties"]?["principalId"] ?? string.Empty)))];

    /// <summary>Replaces <c>variables('x')</c> and <c>variables('x').y</c> that name a string with that string.</summary>
    private static string ResolveVariables(JsonObject template, string expression) => VariableReference().Replace(expression, match =>
    {
        var value = template["variables"]?[match.Groups[1].Value];
        if (match.Groups[2].Success)
        {
            value = value?[match.Groups[2].Value];
        }

        return value is JsonValue text && text.TryGetValue<string>(out var resolved) ? $"'{resolved}'" : match.Value;
    });

    [GeneratedRegex(@"variables\('(\w+)'\)(?:\.(\w+))?")]
    private static partial Regex VariableReference();

    private static string Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : node?.ToJsonString() ?? string.Empty;

    /// <summary>
    /// The site's app settings by name, with their values as ARM expressions. Bicep compiles the settings to
    /// variables of the site's template that <c>appSettings</c> concatenates; each variable counted here must really be
    /// part of that expression.
    /// </summary>
    private static Dictionary<string, string> AppSettings()
    {
        var template = Templates().Single(t => ResourcesOf(t).Any(r => Type(r) == "Microsoft.Web/sites"));
        var site = Site();
        var appSettings = site["properties"]?["siteConfig"]?["appSettings"];
        var expression = Text(appSettings);
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(JsonNode? entries)
        {
            foreach (var entry in entries as JsonArray ?? [])
            {
                if ((string?)entry?["name"] is { } name)
                {
                    Assert.True(settings.TryAdd(name, Text(entry?["value"])), $"{name} is set twice");
                }
            }
        }

        if (appSettings is JsonArray)
        {
            Add(appSettings);
        }

        foreach (var (name, value) in template["variables"]?.AsObject() ?? [])
        {
            if (value is JsonArray && expression.Contains($"variables('{name}')", StringComparison.Ordinal))
            {
                Add(value);
            }
        }

        // Settings written inline in the expression: createObject('name', 'X', 'value', …).
        foreach (Match match in InlineSetting().Matches(expression))
        {
            settings.TryAdd(match.Groups[1].Value, match.Groups[2].Value);
        }

        return settings;
    }

    [GeneratedRegex(@"createObject\('name', '([^']+)', 'value', ([^)]*\)?)")]
    private static partial Regex InlineSetting();
}
