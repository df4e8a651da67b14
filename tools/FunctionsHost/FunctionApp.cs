using System.Globalization;
using System.Text.Json;

namespace FunctionsMfa.LocalHost;

/// <summary>
/// The function app directory as the host reads it: <c>host.json</c> (route prefix, queue settings),
/// <c>local.settings.json</c> (<c>Values</c>, <c>Host</c>) and <c>worker.config.json</c> (how to start the worker).
/// The functions themselves are not read from files: the worker indexes them and sends them over gRPC.
/// </summary>
internal sealed class FunctionApp
{
    private readonly IReadOnlyDictionary<string, string> localValues;

    /// <summary>Settings that win over the environment: an embedding test's (see <see cref="Embedded"/>).</summary>
    private readonly IReadOnlyDictionary<string, string> overrides;

    private FunctionApp(string directory, HostJson host, LocalSettings local, WorkerConfig? worker, IReadOnlyDictionary<string, string>? overrides = null)
    {
        Directory = directory;
        Host = host;
        Local = local;
        this.worker = worker;
        localValues = local.Values;
        this.overrides = overrides ?? new Dictionary<string, string>();
    }

    private readonly WorkerConfig? worker;

    public string Directory { get; }

    public HostJson Host { get; }

    public LocalSettings Local { get; }

    public WorkerConfig Worker => worker ?? throw new InvalidOperationException("An embedded app has no worker.config.json to start.");

    public static FunctionApp Load(string directory)
    {
        var hostJson = Path.Combine(directory, "host.json");
        if (!File.Exists(hostJson))
        {
            throw new InvalidOperationException($"{hostJson} is missing: --script-root must name a function app's build or publish output.");
        }

        return new FunctionApp(
            directory,
            HostJson.Parse(File.ReadAllText(hostJson)),
            LocalSettings.Read(Path.Combine(directory, "local.settings.json")),
            WorkerConfig.Read(Path.Combine(directory, "worker.config.json")));
    }

    /// <summary>
    /// An app whose worker runs inside the caller's process (<see cref="HostEmbedding"/>): <c>host.json</c> from
    /// <paramref name="directory"/>, no <c>local.settings.json</c>, and <paramref name="settings"/> as its app settings.
    /// </summary>
    public static FunctionApp Embedded(string directory, IReadOnlyDictionary<string, string> settings) =>
        new(directory, HostJson.Parse(File.ReadAllText(Path.Combine(directory, "host.json"))), LocalSettings.Read(""), null, settings);

    /// <summary>An app setting: the process environment wins over <c>local.settings.json</c>, as with Core Tools.</summary>
    public string? Setting(string name) =>
        overrides.TryGetValue(name, out var overridden) ? overridden
        : Environment.GetEnvironmentVariable(name) is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : localValues.GetValueOrDefault(name);

    /// <summary>The <c>Values</c> the process environment does not already set: what the worker's environment gains.</summary>
    public IEnumerable<KeyValuePair<string, string>> ValuesNotInEnvironment()
    {
        var environment = Environment.GetEnvironmentVariables();
        return localValues.Where(pair => !environment.Contains(pair.Key));
    }

    internal static JsonDocumentOptions JsonOptions { get; } = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    internal static JsonElement? Child(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    internal static string? Text(JsonElement element, string name) =>
        Child(element, name) is { } value ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => null,
        } : null;
}

/// <summary>What the host takes from <c>host.json</c>; defaults are the Azure host's.</summary>
internal sealed record HostJson(string RoutePrefix, QueueSettings Queues)
{
    public static HostJson Parse(string json)
    {
        using var document = JsonDocument.Parse(json, FunctionApp.JsonOptions);
        var extensions = FunctionApp.Child(document.RootElement, "extensions");
        var http = extensions is { } e ? FunctionApp.Child(e, "http") : null;
        var queues = extensions is { } q ? FunctionApp.Child(q, "queues") : null;
        return new HostJson(
            (http is { } h ? FunctionApp.Text(h, "routePrefix") : null) ?? "api",
            queues is { } settings ? QueueSettings.Parse(settings) : QueueSettings.Default);
    }
}

/// <summary>
/// <c>extensions.queues</c>, with the Azure host's defaults: batch size 16, no delay before a failed message is seen
/// again, 5 dequeues before the poison queue, polling backing off to one minute, Base64 messages.
/// </summary>
internal sealed record QueueSettings(int BatchSize, TimeSpan VisibilityTimeout, int MaxDequeueCount, TimeSpan MaxPollingInterval, bool Base64)
{
    public static QueueSettings Default { get; } = new(16, TimeSpan.Zero, 5, TimeSpan.FromMinutes(1), Base64: true);

    public static QueueSettings Parse(JsonElement queues) => new(
        Number(queues, "batchSize") ?? Default.BatchSize,
        Duration(queues, "visibilityTimeout") ?? Default.VisibilityTimeout,
        Number(queues, "maxDequeueCount") ?? Default.MaxDequeueCount,
        Duration(queues, "maxPollingInterval") ?? Default.MaxPollingInterval,
        !string.Equals(FunctionApp.Text(queues, "messageEncoding"), "none", StringComparison.OrdinalIgnoreCase));

    private static int? Number(JsonElement element, string name) =>
        FunctionApp.Text(element, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;

    private static TimeSpan? Duration(JsonElement element, string name) =>
        FunctionApp.Text(element, name) is { } text ? TimeSpan.Parse(text, CultureInfo.InvariantCulture) : null;
}

/// <summary><c>local.settings.json</c>: <c>Values</c> and the <c>Host</c> section Core Tools reads (CORS, port).</summary>
internal sealed record LocalSettings(IReadOnlyDictionary<string, string> Values, string? Cors, bool CorsCredentials, int? LocalHttpPort)
{
    public static LocalSettings Read(string path)
    {
        if (!File.Exists(path))
        {
            return new LocalSettings(new Dictionary<string, string>(), null, false, null);
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), FunctionApp.JsonOptions);
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (FunctionApp.Child(document.RootElement, "Values") is { ValueKind: JsonValueKind.Object } section)
        {
            foreach (var property in section.EnumerateObject())
            {
                values[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() ?? "" : property.Value.GetRawText();
            }
        }

        var host = FunctionApp.Child(document.RootElement, "Host");
        var port = host is { } h && FunctionApp.Text(h, "LocalHttpPort") is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : (int?)null;
        return new LocalSettings(
            values,
            host is { } c ? FunctionApp.Text(c, "CORS") : null,
            host is { } r && string.Equals(FunctionApp.Text(r, "CORSCredentials"), "true", StringComparison.OrdinalIgnoreCase),
            port);
    }
}

/// <summary><c>worker.config.json</c>'s description: the executable and the worker path (the SDK writes it).</summary>
internal sealed record WorkerConfig(string Executable, string? WorkerPath, IReadOnlyList<string> Arguments)
{
    public static WorkerConfig Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: the Worker SDK writes it into the build output.");
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), FunctionApp.JsonOptions);
        var description = FunctionApp.Child(document.RootElement, "description")
            ?? throw new InvalidOperationException($"{path} has no 'description'.");
        var arguments = FunctionApp.Child(description, "arguments") is { ValueKind: JsonValueKind.Array } list
            ? list.EnumerateArray().Select(a => a.GetString() ?? "").ToList()
            : [];
        return new WorkerConfig(
            FunctionApp.Text(description, "defaultExecutablePath") ?? "dotnet",
            FunctionApp.Text(description, "defaultWorkerPath"),
            arguments);
    }
}
