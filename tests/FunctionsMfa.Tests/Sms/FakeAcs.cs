using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FunctionsMfa.Functions.Sms;

namespace FunctionsMfa.Tests.Sms;

/// <summary>An HTTP listener on 127.0.0.1 that answers scripted responses like ACS and checks each request's HMAC signature.</summary>
internal sealed class FakeAcs : IAsyncDisposable
{
    public static readonly byte[] Key = Convert.FromBase64String("dGVzdC1hY3Mta2V5LXRlc3QtYWNzLWtleS10ZXN0LWE=");
    private readonly HttpListener listener = new();
    private readonly ConcurrentQueue<(int Status, string Body, string? RetryAfter)> answers = new();
    private readonly ConcurrentQueue<Recorded> requests = new();
    private readonly Task loop;

    private FakeAcs(int port)
    {
        Port = port;
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public IReadOnlyList<Recorded> Requests => [.. requests];

    public static FakeAcs Start()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new FakeAcs(port);
    }

    public void Answer(int status, string body, string? retryAfter = null) => answers.Enqueue((status, body, retryAfter));

    public string ConnectionString => $"endpoint=http://127.0.0.1:{Port}/;accesskey={Convert.ToBase64String(Key)}";

    public AcsSmsClient Client()
    {
        var options = new AcsSmsClientOptions();
        options.Retry.Delay = TimeSpan.FromMilliseconds(5);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(50);
        return AcsSmsClient.Create(
            new AcsSettings { ConnectionString = $"endpoint=http://127.0.0.1:{Port}/;accesskey={Convert.ToBase64String(Key)}", From = "+18005550100" },
            TimeProvider.System,
            options);
    }

    private async Task ServeAsync()
    {
        while (Volatile.Read(ref disposed) == 0)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var request = context.Request;
            var date = request.Headers["x-ms-date"] ?? string.Empty;
            var contentHash = AcsHmacPolicy.ContentHash(Encoding.UTF8.GetBytes(body));
            var expected = AcsHmacPolicy.AuthorizationHeader(AcsHmacPolicy.Sign(Key, AcsHmacPolicy.StringToSign(
                request.HttpMethod, request.Url!.PathAndQuery, date, request.Url.Authority, contentHash)));
            var valid = request.Headers["Authorization"] == expected && request.Headers["x-ms-content-sha256"] == contentHash;
            requests.Enqueue(new Recorded(request.HttpMethod, request.Url.PathAndQuery, body, valid));

            var (status, answer, retryAfter) = answers.TryDequeue(out var next) ? next : (500, "{}", null);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            if (retryAfter is not null)
            {
                context.Response.Headers["Retry-After"] = retryAfter;
            }

            var bytes = Encoding.UTF8.GetBytes(answer);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Idempotent: a factory may dispose both synchronously and asynchronously.
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        listener.Close();
        try
        {
            await loop;
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private int disposed;
}

internal sealed record Recorded(string Method, string PathAndQuery, string Body, bool SignatureValid);
