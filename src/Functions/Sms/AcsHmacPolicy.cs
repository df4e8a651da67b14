using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace FunctionsMfa.Functions.Sms;

/// <summary>
/// Signs each try of a request with the ACS access key (Azure Communication Services HMAC-SHA256 scheme): headers
/// <c>x-ms-date</c>, <c>x-ms-content-sha256</c> (base64 SHA-256 of the body) and
/// <c>Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&amp;Signature=…</c>, where the
/// signature is the base64 HMAC-SHA256, under the base64-decoded key, of
/// <c>VERB\npath?query\ndate;host;content-hash</c>. A per-retry policy, so each retry carries a fresh date.
/// </summary>
internal sealed class AcsHmacPolicy(byte[] accessKey, TimeProvider time) : HttpPipelinePolicy
{
    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ArgumentNullException.ThrowIfNull(message);
        await SignAsync(message, async: true).ConfigureAwait(false);
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ArgumentNullException.ThrowIfNull(message);
        SignAsync(message, async: false).AsTask().GetAwaiter().GetResult();
        ProcessNext(message, pipeline);
    }

    private async ValueTask SignAsync(HttpMessage message, bool async)
    {
        using var body = new MemoryStream();
        if (message.Request.Content is { } content)
        {
            if (async)
            {
                await content.WriteToAsync(body, message.CancellationToken).ConfigureAwait(false);
            }
            else
            {
                content.WriteTo(body, message.CancellationToken);
            }
        }

        var contentHash = ContentHash(body.ToArray());
        var date = time.GetUtcNow().ToString("R", CultureInfo.InvariantCulture);
        var uri = message.Request.Uri.ToUri();
        var stringToSign = StringToSign(message.Request.Method.Method, uri.PathAndQuery, date, uri.Authority, contentHash);
        message.Request.Headers.SetValue("x-ms-date", date);
        message.Request.Headers.SetValue("x-ms-content-sha256", contentHash);
        message.Request.Headers.SetValue("Authorization", AuthorizationHeader(Sign(accessKey, stringToSign)));
    }

    public static string ContentHash(ReadOnlySpan<byte> body) => Convert.ToBase64String(SHA256.HashData(body));

    public static string StringToSign(string method, string pathAndQuery, string date, string host, string contentHash) =>
        method.ToUpperInvariant() + "\n" + pathAndQuery + "\n" + date + ";" + host + ";" + contentHash;

    public static string Sign(byte[] key, string stringToSign) =>
        Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));

    public static string AuthorizationHeader(string signature) =>
        "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=" + signature;
}
