using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace FunctionsMfa.Tests.Infrastructure;

/// <summary>One request of a burst: where, with which bearer token, which JSON body.</summary>
public sealed record BurstRequest(string Path, string Token, object Body);

/// <summary>One answer of a burst: the status and the parsed body.</summary>
public sealed record BurstResponse(HttpStatusCode Status, JsonElement Body)
{
    public string? ErrorCode => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("errors", out var errors)
        ? errors[0].GetProperty("code").GetString()
        : null;
}

/// <summary>
/// Sends requests so that they arrive together, as a race needs (a loop of tasks spreads them over milliseconds): each
/// request gets its own connection to the real socket, sends its headers and all of its body but the last byte, and
/// waits; once every request got that far, all last bytes go out at once. Bounded: at most 200 requests, 60 s.
/// </summary>
public static class Burst
{
    public static async Task<IReadOnlyList<BurstResponse>> SendAsync(Uri server, IReadOnlyList<BurstRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count is 0 or > 200 || !IPAddress.IsLoopback(IPAddress.Parse(server.Host)))
        {
            throw new ArgumentException("A burst is 1 to 200 requests to a loopback address.", nameof(requests));
        }

        // One connection per request: HTTP/1.1 runs one request at a time on a connection.
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = requests.Count, PooledConnectionLifetime = TimeSpan.Zero };
        using var client = new HttpClient(handler) { BaseAddress = server, Timeout = TimeSpan.FromSeconds(60) };
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        void Arrived()
        {
            if (Interlocked.Increment(ref arrived) == requests.Count)
            {
                all.TrySetResult();
            }
        }

        var sends = requests.Select(async request =>
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, request.Path)
            {
                Content = new HeldBackContent(JsonSerializer.SerializeToUtf8Bytes(request.Body), Arrived, release.Task),
            };
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", request.Token);
            message.Headers.ConnectionClose = true;
            using var response = await client.SendAsync(message);
            var text = await response.Content.ReadAsStringAsync();
            return new BurstResponse(response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
        }).ToList();

        await all.Task.WaitAsync(TimeSpan.FromSeconds(30));
        release.SetResult();
        return await Task.WhenAll(sends);
    }

    /// <summary>A JSON body whose last byte waits for the release.</summary>
    private sealed class HeldBackContent : HttpContent
    {
        private readonly byte[] body;
        private readonly Action arrived;
        private readonly Task release;

        public HeldBackContent(byte[] body, Action arrived, Task release)
        {
            this.body = body;
            this.arrived = arrived;
            this.release = release;
            Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = Encoding.UTF8.WebName };
            Headers.ContentLength = body.Length;
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(body.AsMemory(0, body.Length - 1));
            await stream.FlushAsync();
            arrived();
            await release;
            await stream.WriteAsync(body.AsMemory(body.Length - 1));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }
}
