using System.Text.Json;
using FunctionsMfa.LocalHost.Rpc;

namespace FunctionsMfa.LocalHost;

/// <summary>
/// A function the worker indexed and loaded, with the one trigger the host runs it by. The trigger is read from the
/// raw bindings the worker sent (the same JSON the SDK writes to <c>functions.metadata</c>).
/// </summary>
internal sealed record LoadedFunction(string Id, string Name, HttpTrigger? Http, QueueTrigger? Queue)
{
    public static LoadedFunction From(RpcFunctionMetadata metadata)
    {
        HttpTrigger? http = null;
        QueueTrigger? queue = null;
        foreach (var raw in metadata.RawBindings)
        {
            using var binding = JsonDocument.Parse(raw, FunctionApp.JsonOptions);
            var root = binding.RootElement;
            var name = FunctionApp.Text(root, "name") ?? "";
            switch (FunctionApp.Text(root, "type")?.ToUpperInvariant())
            {
                case "HTTPTRIGGER":
                    var methods = FunctionApp.Child(root, "methods") is { ValueKind: JsonValueKind.Array } list
                        ? list.EnumerateArray().Select(m => (m.GetString() ?? "").ToUpperInvariant()).ToArray()
                        : null;
                    // No route means the function's name, as in the Azure host.
                    http = new HttpTrigger(name, FunctionApp.Text(root, "route") is { Length: > 0 } route ? route : metadata.Name, methods);
                    break;
                case "QUEUETRIGGER":
                    queue = new QueueTrigger(
                        name,
                        FunctionApp.Text(root, "queueName") ?? throw new InvalidOperationException($"{metadata.Name}: queueTrigger without queueName."),
                        FunctionApp.Text(root, "connection"),
                        string.Equals(FunctionApp.Text(root, "dataType"), "binary", StringComparison.OrdinalIgnoreCase));
                    break;
            }
        }

        return new LoadedFunction(metadata.FunctionId, metadata.Name, http, queue);
    }
}

/// <summary>An HTTP trigger: its parameter's name, its route template (without the prefix) and its verbs (null: any).</summary>
internal sealed record HttpTrigger(string Parameter, string Route, IReadOnlyList<string>? Methods);

/// <summary>A queue trigger: its parameter's name, the queue, the connection setting's name and whether it takes bytes.</summary>
internal sealed record QueueTrigger(string Parameter, string QueueName, string? Connection, bool Binary);
