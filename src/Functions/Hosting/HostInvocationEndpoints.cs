using System.Text.Json;
using FunctionsMfa.Functions.Wire;

namespace FunctionsMfa.Functions.Hosting;

/// <summary>
/// The custom-handler invocation protocol for non-HTTP triggers: the host posts
/// <c>{"Data":{"&lt;binding&gt;":…},"Metadata":{"DequeueCount":…,"Id":…}}</c> to <c>/{FunctionName}</c> and reads
/// <c>{"Outputs":{},"Logs":[],"ReturnValue":null}</c>; any non-2xx fails the invocation.
/// </summary>
internal static class HostInvocationEndpoints
{
    public static void MapQueueFunctions(this IEndpointRouteBuilder app)
    {
        foreach (var function in app.ServiceProvider.GetServices<IQueueFunction>())
        {
            app.MapPost("/" + function.Name, (HttpContext context, CancellationToken cancellationToken) =>
                    InvokeAsync(function, context, cancellationToken))
                .WithMetadata(new QueueFunctionMetadata(function.Name, function.QueueName, function.BindingName))
                .ExcludeFromDescription();
        }
    }

    private static async Task InvokeAsync(IQueueFunction function, HttpContext context, CancellationToken cancellationToken)
    {
        // Standalone, the process drains its queues itself and nothing may post invocations: the routes do not exist.
        if (context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<QueueDrainOptions>>().Value.Enabled)
        {
            await ErrorResult.WriteAsync(context, MfaErrors.ResourceNotFound);
            return;
        }

        var (form, error) = await ReadInvocationAsync(function, context, cancellationToken);
        if (form is null)
        {
            await ErrorResult.WriteAsync(context, error!);
            return;
        }

        var outcome = await function.HandleAsync(form, cancellationToken);
        context.Response.StatusCode = outcome.Succeeded ? 200 : 500;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteStartObject("Outputs");
        writer.WriteEndObject();
        writer.WriteStartArray("Logs");
        if (!outcome.Succeeded)
        {
            // The reason is ours (never message content), so it is safe in the host's log.
            writer.WriteStringValue($"{function.Name} failed: {outcome.Reason}");
        }

        writer.WriteEndArray();
        writer.WriteNull("ReturnValue");
        writer.WriteEndObject();
    }

    private static async Task<(QueueInvocation? Invocation, MfaError? Error)> ReadInvocationAsync(
        IQueueFunction function, HttpContext context, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: cancellationToken);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object ||
                !root.TryGetProperty("Data", out var data) || data.ValueKind != JsonValueKind.Object ||
                !data.TryGetProperty(function.BindingName, out var message))
            {
                return (null, MfaErrors.RequestBodyInvalid);
            }

            long dequeueCount = 1;
            string? id = null;
            if (root.TryGetProperty("Metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object)
            {
                dequeueCount = ReadLong(metadata, "DequeueCount") ?? 1;
                id = metadata.TryGetProperty("Id", out var idElement) ? idElement.ToString() : null;
            }

            return (new QueueInvocation(function.Name, MessageText(message), dequeueCount, id), null);
        }
        catch (JsonException)
        {
            return (null, MfaErrors.RequestBodyInvalid);
        }
    }

    /// <summary>The host passes a string message as a JSON string, sometimes quoted twice; objects arrive as JSON.</summary>
    internal static string MessageText(JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.String)
        {
            return message.GetRawText();
        }

        var text = message.GetString() ?? string.Empty;
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"')
        {
            try
            {
                return JsonSerializer.Deserialize(text, WireJson.Default.String) ?? text;
            }
            catch (JsonException)
            {
                return text;
            }
        }

        return text;
    }

    private static long? ReadLong(JsonElement parent, string name)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt64(out var number) => number,
            JsonValueKind.String when long.TryParse(value.GetString(), out var parsed) => parsed,
            _ => null,
        };
    }
}

/// <summary>Marks the endpoint that the host calls for a queue function (used to write its <c>function.json</c>).</summary>
internal sealed record QueueFunctionMetadata(string Name, string QueueName, string BindingName);
