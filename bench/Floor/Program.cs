using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;

// The storage floor of the bench's operations. Usage:
//   dotnet FunctionsMfa.Bench.Floor.dll <recipes.json>     (connection string in BENCH_FLOOR_STORAGE)
// recipes.json: {"ops":[{"name":"…","steps":[{"kind":"read"|"query"|"insert"|"upsert"|"update"|"delete"|"enqueue"|"batch",
//   "table":"mfausers" (the app's table the round trip went to), "rows":N (query: rows in the partition),
//   "entities":[…] (query: the rows the app's query returned, as Azurite's JSON), "filter":"…" (query: the app's),
//   "entity":{…} (read: the row the app read), "bytes":N (entity or message size), "actions":["insert","update",…] (batch),
//   "entities":[{…}|null,…] and "merges":[bool,…] (batch: what each action sent, and whether an update merged)}]}]}
// A query or read with its rows reads copies of them (same count, sizes and property types) under a partition key of
// the floor's; without, a partition of N rows (or one row) of about 300 bytes. A transaction's actions send copies of
// the app's entities (under the floor's keys) where the recipe has them, else entities of `bytes`.
// Each stdin line "iter" runs every recipe once, in order, and answers one JSON line {"<op>": milliseconds, …}; the
// clock covers only the recipe's own round trips, sent one after another as the app sends them. Rows an update or a
// delete needs are created before the clock starts, and every row a recipe made is deleted after it stops.
// The rows live in the app's own tables, under partition keys of their own ("benchfloor_…"): Azurite answers a
// partition query by scanning the whole table, so only the same tables give the same floor. "quit" stops it.
var connection = Environment.GetEnvironmentVariable("BENCH_FLOOR_STORAGE")
    ?? throw new InvalidOperationException("BENCH_FLOOR_STORAGE is not set");
var recipes = JsonNode.Parse(File.ReadAllText(args[0]))!["ops"]!.AsArray()
    .Select(op => new Recipe(op!["name"]!.GetValue<string>(), [.. op["steps"]!.AsArray().Select(Step.From)]))
    .ToArray();

var service = new TableServiceClient(connection);
var tables = new Dictionary<string, TableClient>();
foreach (var name in recipes.SelectMany(r => r.Steps).Select(s => s.Table).Distinct())
{
    tables[name] = service.GetTableClient(name);
    await tables[name].CreateIfNotExistsAsync();
}

var queue = new QueueServiceClient(connection).GetQueueClient("bench-floor");
await queue.CreateIfNotExistsAsync();

// The partitions the queries read and the rows the point reads read, filled once (as a user's partition is between
// requests): copies of the app's rows where the recipe has them.
foreach (var step in recipes.SelectMany(r => r.Steps).Where(s => s.Kind is "query" or "read"))
{
    foreach (var entity in step.Prefill())
    {
        await tables[step.Table].UpsertEntityAsync(entity, TableUpdateMode.Replace);
    }
}

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
    var pk = "benchfloor_" + Guid.NewGuid().ToString("N");
    var prepared = new Queue<(string RowKey, ETag ETag)>();
    var made = new List<(TableClient Table, string RowKey)>();
    var deleted = new HashSet<string>();
    foreach (var (name, action, sent) in recipe.Steps.SelectMany(s => s.Kind == "batch" ? s.Actions.Select((a, i) => (s.Table, a, s.Sent(i))) : [(s.Table, s.Kind, null)]))
    {
        if (action is "update" or "delete")
        {
            // The row as the app's update will find it: a copy of what the update sends, where the recipe has it.
            var entity = Row(Guid.NewGuid().ToString("N"), 300, sent);
            var response = await tables[name].AddEntityAsync(entity);
            prepared.Enqueue((entity.RowKey, response.Headers.ETag!.Value));
            made.Add((tables[name], entity.RowKey));
        }
    }

    var clock = Stopwatch.StartNew();
    foreach (var step in recipe.Steps)
    {
        var table = step.Kind == "enqueue" ? null : tables[step.Table];
        switch (step.Kind)
        {
            case "read":
                await table!.GetEntityAsync<TableEntity>(step.PartitionKey, step.PointRowKey);
                break;
            case "query":
                await foreach (var _ in table!.QueryAsync<TableEntity>(step.QueryFilter))
                {
                }

                break;
            case "insert":
                await table!.AddEntityAsync(New(table, step.Bytes));
                break;
            case "upsert":
                await table!.UpsertEntityAsync(New(table, step.Bytes), TableUpdateMode.Replace);
                break;
            case "update":
                {
                    var (rowKey, etag) = prepared.Dequeue();
                    await table!.UpdateEntityAsync(Entity(pk, rowKey, step.Bytes), etag, TableUpdateMode.Replace);
                    break;
                }

            case "delete":
                {
                    var (rowKey, etag) = prepared.Dequeue();
                    await table!.DeleteEntityAsync(pk, rowKey, etag);
                    deleted.Add(rowKey);
                    break;
                }

            case "enqueue":
                await queue.SendMessageAsync(new string('m', Math.Max(1, step.Bytes)));
                break;
            case "batch":
                {
                    var actions = new List<TableTransactionAction>();
                    for (var i = 0; i < step.Actions.Length; i++)
                    {
                        var (sent, merge) = (step.Sent(i), step.Merges.ElementAtOrDefault(i));
                        actions.Add(step.Actions[i] switch
                        {
                            "insert" => new TableTransactionAction(TableTransactionActionType.Add, New(table!, step.Bytes, sent)),
                            "upsert" => new TableTransactionAction(merge ? TableTransactionActionType.UpsertMerge : TableTransactionActionType.UpsertReplace, New(table!, step.Bytes, sent)),
                            "update" => Prepared(merge ? TableTransactionActionType.UpdateMerge : TableTransactionActionType.UpdateReplace, step.Bytes, sent),
                            "delete" => Prepared(TableTransactionActionType.Delete, step.Bytes, null),
                            var action => throw new InvalidOperationException($"unknown batch action {action}"),
                        });
                    }

                    await table!.SubmitTransactionAsync(actions);
                    break;
                }

            default:
                throw new InvalidOperationException($"unknown step {step.Kind}");
        }
    }

    var elapsed = clock.Elapsed.TotalMilliseconds;

    // Off the clock: the recipe's rows go, so the tables grow only with the app's own rows.
    foreach (var group in made.GroupBy(m => m.Table))
    {
        foreach (var chunk in group.Select(m => m.RowKey).Where(rk => !deleted.Contains(rk)).Distinct().Chunk(100))
        {
            await group.Key.SubmitTransactionAsync(chunk.Select(rk => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(pk, rk), ETag.All)));
        }
    }

    return Math.Round(elapsed, 3);

    // A new row: a copy of the entity the app sent (under the floor's keys) where the recipe has it.
    TableEntity New(TableClient table, int bytes, JsonObject? sent = null)
    {
        var entity = Row(Guid.NewGuid().ToString("N"), bytes, sent);
        made.Add((table, entity.RowKey));
        return entity;
    }

    TableTransactionAction Prepared(TableTransactionActionType type, int bytes, JsonObject? sent)
    {
        var (rowKey, etag) = prepared.Dequeue();
        if (type == TableTransactionActionType.Delete)
        {
            deleted.Add(rowKey);
            return new TableTransactionAction(type, new TableEntity(pk, rowKey), etag);
        }

        return new TableTransactionAction(type, Row(rowKey, bytes, sent), etag);
    }

    // A row of the recipe's partition: a copy of what the app sent where the recipe has it, else one of `bytes`.
    TableEntity Row(string rowKey, int bytes, JsonObject? sent) => sent is null ? Entity(pk, rowKey, bytes) : Step.Copy(sent, pk, rowKey);
}

// An entity of about `bytes` bytes on the wire, most of it one string property.
static TableEntity Entity(string partitionKey, string rowKey, int bytes) =>
    new(partitionKey, rowKey) { ["Data"] = new string('x', Math.Max(1, bytes - 90)) };

internal sealed record Recipe(string Name, Step[] Steps);

internal sealed record Step(string Kind, string Table, int Rows, int Bytes, string[] Actions, JsonObject[] Entities, string? Filter, JsonObject?[] BatchEntities, bool[] Merges)
{
    /// <summary>The entity the app's transaction sent with its action <paramref name="index"/>; null when not known.</summary>
    public JsonObject? Sent(int index) => BatchEntities.ElementAtOrDefault(index);

    /// <summary>The partition this step's query or read goes to: its own when it copies the app's rows.</summary>
    public string PartitionKey { get; } = Entities.Length > 0 ? "benchfloor_" + Guid.NewGuid().ToString("N") : Kind == "read" ? "benchfloor_point" : $"benchfloor_q{Rows}";

    public string PointRowKey => Entities.Length > 0 ? Entities[0]["RowKey"]!.GetValue<string>() : "row";

    /// <summary>The app's filter with the floor's partition key in place of the user's; the partition alone without one.</summary>
    public string QueryFilter => Filter is { } filter && Entities.Length > 0
        ? Regex.Replace(filter, "PartitionKey eq '(?:[^']|'')*'", $"PartitionKey eq '{PartitionKey}'")
        : $"PartitionKey eq '{PartitionKey}'";

    public static Step From(JsonNode? node)
    {
        var kind = node!["kind"]!.GetValue<string>();
        JsonObject[] entities = kind switch
        {
            "query" => node["entities"]?.AsArray().Select(e => e!.AsObject()).ToArray() ?? [],
            "read" when node["entity"] is JsonObject entity => [entity],
            _ => [],
        };
        return new(
            kind,
            node["table"]?.GetValue<string>() ?? "benchfloor",
            node["rows"]?.GetValue<int>() ?? 1,
            node["bytes"]?.GetValue<int>() ?? 300,
            node["actions"]?.AsArray().Select(a => a!.GetValue<string>()).ToArray() ?? [],
            entities,
            node["filter"]?.GetValue<string>(),
            node["entities"] is JsonArray sent && kind == "batch" ? [.. sent.Select(e => e as JsonObject)] : [],
            node["merges"]?.AsArray().Select(m => m!.GetValue<bool>()).ToArray() ?? []);
    }

    /// <summary>The rows to create before any clock runs: copies of the app's, or placeholders of about 300 bytes.</summary>
    public IEnumerable<TableEntity> Prefill() => Entities.Length > 0
        ? Entities.Select(e => Copy(e, PartitionKey, e["RowKey"]!.GetValue<string>()))
        : Kind == "read" ? [Placeholder(PartitionKey, "row")] : Enumerable.Range(0, Rows).Select(i => Placeholder(PartitionKey, $"r{i:D3}"));

    private static TableEntity Placeholder(string partitionKey, string rowKey) =>
        new(partitionKey, rowKey) { ["Data"] = new string('x', 210) };

    /// <summary>A row as JSON (Azurite's answer, or the body the app sent) gave it, with its property types, under other keys.</summary>
    public static TableEntity Copy(JsonObject json, string partitionKey, string rowKey)
    {
        var entity = new TableEntity(partitionKey, rowKey);
        foreach (var (name, value) in json)
        {
            if (value is null || name.StartsWith("odata.", StringComparison.Ordinal) || name.Contains("@odata.", StringComparison.Ordinal)
                || name is "PartitionKey" or "RowKey" or "Timestamp")
            {
                continue;
            }

            entity[name] = json[name + "@odata.type"]?.GetValue<string>() switch
            {
                "Edm.Binary" => Convert.FromBase64String(value.GetValue<string>()),
                "Edm.DateTime" => DateTimeOffset.Parse(value.GetValue<string>(), CultureInfo.InvariantCulture),
                "Edm.Int64" => long.Parse(value.GetValue<string>(), CultureInfo.InvariantCulture),
                "Edm.Guid" => Guid.Parse(value.GetValue<string>()),
                "Edm.Double" => value.GetValueKind() == JsonValueKind.String ? double.Parse(value.GetValue<string>(), CultureInfo.InvariantCulture) : value.GetValue<double>(),
                _ => value.GetValueKind() switch
                {
                    JsonValueKind.String => value.GetValue<string>(),
                    JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>(),
                    JsonValueKind.Number when value.AsValue().TryGetValue<int>(out var number) => number,
                    JsonValueKind.Number => value.GetValue<double>(),
                    _ => value.ToJsonString(),
                },
            };
        }

        return entity;
    }
}
