using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;

// The storage floor of the bench's operations. Usage:
//   dotnet FunctionsMfa.Bench.Floor.dll <recipes.json>     (connection string in BENCH_FLOOR_STORAGE)
// recipes.json: {"ops":[{"name":"…","steps":[{"kind":"read"|"query"|"insert"|"upsert"|"update"|"delete"|"enqueue"|"batch",
//   "rows":N (query: rows in the partition), "bytes":N (entity or message size), "actions":["insert","update",…] (batch)}]}]}
// Each stdin line "iter" runs every recipe once, in order, and answers one JSON line {"<op>": milliseconds, …}; the
// clock covers only the recipe's own round trips, sent one after another as the app sends them. Rows an update or a
// delete needs are created before the clock starts. "quit" (or end of input) stops it.
var connection = Environment.GetEnvironmentVariable("BENCH_FLOOR_STORAGE")
    ?? throw new InvalidOperationException("BENCH_FLOOR_STORAGE is not set");
var recipes = JsonNode.Parse(File.ReadAllText(args[0]))!["ops"]!.AsArray()
    .Select(op => new Recipe(op!["name"]!.GetValue<string>(), [.. op["steps"]!.AsArray().Select(Step.From)]))
    .ToArray();

var service = new TableServiceClient(connection);
var table = service.GetTableClient("benchfloor");
await table.CreateIfNotExistsAsync();
var queue = new QueueServiceClient(connection).GetQueueClient("bench-floor");
await queue.CreateIfNotExistsAsync();

// The partitions the queries read, one per size asked for, filled once (as a user's partition is between requests).
var partitions = new Dictionary<int, string>();
foreach (var rows in recipes.SelectMany(r => r.Steps).Where(s => s.Kind == "query").Select(s => s.Rows).Distinct())
{
    var pk = $"q{rows}";
    for (var i = 0; i < rows; i++)
    {
        await table.UpsertEntityAsync(Entity(pk, $"r{i:D3}", 300));
    }

    partitions[rows] = pk;
}

await table.UpsertEntityAsync(Entity("point", "row", 300));

string? line;
while ((line = Console.ReadLine()) is not null && line != "quit")
{
    var result = new JsonObject();
    foreach (var recipe in recipes)
    {
        result[recipe.Name] = await RunAsync(recipe);
    }

    Console.WriteLine(result.ToJsonString());
}

return 0;

async Task<double> RunAsync(Recipe recipe)
{
    // Rows to update or delete exist, with their ETags, before the clock starts.
    var pk = "p" + Guid.NewGuid().ToString("N");
    var prepared = new Queue<(string RowKey, ETag ETag)>();
    foreach (var action in recipe.Steps.SelectMany(s => s.Kind == "batch" ? s.Actions : [s.Kind]).Where(a => a is "update" or "delete"))
    {
        var entity = Entity(pk, Guid.NewGuid().ToString("N"), 300);
        var response = await table.AddEntityAsync(entity);
        prepared.Enqueue((entity.RowKey, response.Headers.ETag!.Value));
    }

    var clock = Stopwatch.StartNew();
    foreach (var step in recipe.Steps)
    {
        switch (step.Kind)
        {
            case "read":
                await table.GetEntityAsync<TableEntity>("point", "row");
                break;
            case "query":
                await foreach (var _ in table.QueryAsync<TableEntity>(e => e.PartitionKey == partitions[step.Rows]))
                {
                }

                break;
            case "insert":
                await table.AddEntityAsync(Entity(pk, Guid.NewGuid().ToString("N"), step.Bytes));
                break;
            case "upsert":
                await table.UpsertEntityAsync(Entity(pk, Guid.NewGuid().ToString("N"), step.Bytes), TableUpdateMode.Replace);
                break;
            case "update":
                {
                    var (rowKey, etag) = prepared.Dequeue();
                    await table.UpdateEntityAsync(Entity(pk, rowKey, step.Bytes), etag, TableUpdateMode.Replace);
                    break;
                }

            case "delete":
                {
                    var (rowKey, etag) = prepared.Dequeue();
                    await table.DeleteEntityAsync(pk, rowKey, etag);
                    break;
                }

            case "enqueue":
                await queue.SendMessageAsync(new string('m', Math.Max(1, step.Bytes)));
                break;
            case "batch":
                {
                    var actions = new List<TableTransactionAction>();
                    foreach (var action in step.Actions)
                    {
                        actions.Add(action switch
                        {
                            "insert" => new TableTransactionAction(TableTransactionActionType.Add, Entity(pk, Guid.NewGuid().ToString("N"), step.Bytes)),
                            "upsert" => new TableTransactionAction(TableTransactionActionType.UpsertReplace, Entity(pk, Guid.NewGuid().ToString("N"), step.Bytes)),
                            "update" => Prepared(TableTransactionActionType.UpdateReplace, step.Bytes),
                            "delete" => Prepared(TableTransactionActionType.Delete, step.Bytes),
                            _ => throw new InvalidOperationException($"unknown batch action {action}"),
                        });
                    }

                    await table.SubmitTransactionAsync(actions);
                    break;
                }

            default:
                throw new InvalidOperationException($"unknown step {step.Kind}");
        }
    }

    return Math.Round(clock.Elapsed.TotalMilliseconds, 3);

    TableTransactionAction Prepared(TableTransactionActionType type, int bytes)
    {
        var (rowKey, etag) = prepared.Dequeue();
        return new TableTransactionAction(type, Entity(pk, rowKey, bytes), etag);
    }
}

// An entity of about `bytes` bytes on the wire, most of it one string property.
static TableEntity Entity(string partitionKey, string rowKey, int bytes) =>
    new(partitionKey, rowKey) { ["Data"] = new string('x', Math.Max(1, bytes - 90)) };

internal sealed record Recipe(string Name, Step[] Steps);

internal sealed record Step(string Kind, int Rows, int Bytes, string[] Actions)
{
    public static Step From(JsonNode? node) => new(
        node!["kind"]!.GetValue<string>(),
        node["rows"]?.GetValue<int>() ?? 1,
        node["bytes"]?.GetValue<int>() ?? 300,
        node["actions"]?.AsArray().Select(a => a!.GetValue<string>()).ToArray() ?? []);
}
