using System.Text.Json.Nodes;

namespace FunctionsMfa.Functions.Hosting;

/// <summary>
/// The queue settings the Functions host applies to this app's queue triggers, read from the app's own
/// <c>host.json</c> (one file for Azure, <c>func start</c> and the local host), so a function that must know its last
/// attempt (to audit a message going to the poison queue) agrees with the host that moves it.
/// </summary>
internal sealed class HostQueueOptions
{
    public static void Configure(HostQueueOptions options) =>
        options.MaxDequeueCount = ReadMaxDequeueCount(Path.Combine(AppContext.BaseDirectory, "host.json"));

    /// <summary>The host's default when <c>host.json</c> sets none.</summary>
    public const int DefaultMaxDequeueCount = 5;

    public int MaxDequeueCount { get; set; } = DefaultMaxDequeueCount;

    internal static int ReadMaxDequeueCount(string hostJson)
    {
        if (!File.Exists(hostJson))
        {
            return DefaultMaxDequeueCount;
        }

        var node = JsonNode.Parse(File.ReadAllText(hostJson), documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip });
        return node?["extensions"]?["queues"]?["maxDequeueCount"]?.GetValue<int>() ?? DefaultMaxDequeueCount;
    }
}
