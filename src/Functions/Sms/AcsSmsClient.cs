using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;

namespace FunctionsMfa.Functions.Sms;

/// <summary>Pipeline options for the ACS client: Azure.Core's retries (408, 429, 5xx, network errors; Retry-After honoured).</summary>
internal sealed class AcsSmsClientOptions : ClientOptions
{
    public AcsSmsClientOptions()
    {
        Retry.Mode = RetryMode.Exponential;
        Retry.MaxRetries = 3;
        Retry.Delay = TimeSpan.FromMilliseconds(500);
        Retry.MaxDelay = TimeSpan.FromSeconds(10);
        Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        // Request and response bodies carry the code: Azure.Core never logs them unless asked, and nothing here asks.
        Diagnostics.IsLoggingContentEnabled = false;
        Diagnostics.ApplicationId = "FunctionsMfa";
    }
}

/// <summary>
/// Azure Communication Services SMS over REST (<c>POST {endpoint}/sms?api-version=2021-03-07</c>) on Azure.Core's
/// pipeline, authenticated by the access key (HMAC) or by Entra ID. Each recipient carries the message's
/// <c>repeatabilityRequestId</c>/<c>repeatabilityFirstSent</c>, so the pipeline's retries and the queue's redeliveries
/// never send twice; a send counts only when ACS accepted the request (202) and marked the recipient successful.
/// </summary>
internal sealed class AcsSmsClient : ISmsProvider
{
    public const string ApiVersion = "2021-03-07";
    public const string Scope = "https://communication.azure.com//.default";

    private readonly Uri sendUri;
    private readonly HttpPipeline pipeline;
    private readonly string from;

    public AcsSmsClient(Uri endpoint, HttpPipelinePolicy authentication, string from, ClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var baseUri = endpoint.AbsoluteUri.EndsWith('/') ? endpoint : new Uri(endpoint.AbsoluteUri + "/");
        sendUri = new Uri(baseUri, "sms?api-version=" + ApiVersion);
        pipeline = HttpPipelineBuilder.Build(options, [], [authentication], new ResponseClassifier());
        this.from = from;
    }

    /// <summary>From <c>Mfa:Sms:Acs</c>: HMAC when the connection string has an access key, else Entra ID (DefaultAzureCredential).</summary>
    public static AcsSmsClient Create(AcsSettings settings, TimeProvider time, ClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (endpoint, accessKey) = ParseConnectionString(settings.ConnectionString);
        endpoint ??= settings.Endpoint is { Length: > 0 } e ? new Uri(e) : throw new InvalidOperationException("Mfa:Sms:Acs needs a ConnectionString or an Endpoint.");
        var from = settings.From is { Length: > 0 } f ? f : throw new InvalidOperationException("Mfa:Sms:Acs:From is required.");
        HttpPipelinePolicy authentication = accessKey is not null
            ? new AcsHmacPolicy(accessKey, time)
            : new BearerTokenAuthenticationPolicy(new DefaultAzureCredential(), Scope);
        if (options is null)
        {
            options = new AcsSmsClientOptions();
            options.Retry.MaxRetries = settings.MaxRetries;
            options.Retry.Delay = settings.RetryDelay;
        }

        return new AcsSmsClient(endpoint, authentication, from, options);
    }

    /// <summary><c>endpoint=https://….communication.azure.com/;accesskey=base64</c>; either part may be missing.</summary>
    public static (Uri? Endpoint, byte[]? AccessKey) ParseConnectionString(string? connectionString)
    {
        Uri? endpoint = null;
        byte[]? key = null;
        foreach (var part in (connectionString ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var name = part[..equals];
            var value = part[(equals + 1)..];
            if (name.Equals("endpoint", StringComparison.OrdinalIgnoreCase))
            {
                endpoint = new Uri(value);
            }
            else if (name.Equals("accesskey", StringComparison.OrdinalIgnoreCase) && value.Length > 0)
            {
                key = Convert.FromBase64String(value);
            }
        }

        return (endpoint, key);
    }

    public async Task<SmsSendResult> SendAsync(SmsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = new AcsSendRequest(
            from,
            [new AcsRecipient(request.To, request.RequestId, request.FirstSent)],
            request.Body,
            new AcsSendOptions(false));

        using var message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Post;
        message.Request.Uri.Reset(sendUri);
        message.Request.Headers.SetValue("Content-Type", "application/json");
        message.Request.Headers.SetValue("Accept", "application/json");
        message.Request.Content = RequestContent.Create(JsonSerializer.SerializeToUtf8Bytes(body, AcsJson.Default.AcsSendRequest));
        await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);

        var response = message.Response;
        if (response.Status != 202)
        {
            return SmsSendResult.Failure($"ACS answered {response.Status}");
        }

        AcsSendResponse? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(response.Content.ToMemory().Span, AcsJson.Default.AcsSendResponse);
        }
        catch (JsonException)
        {
            return SmsSendResult.Failure("ACS answered 202 with an unreadable body");
        }

        var result = parsed?.Value?.FirstOrDefault(r => string.Equals(r.To, request.To, StringComparison.Ordinal)) ?? parsed?.Value?.FirstOrDefault();
        if (result is null)
        {
            return SmsSendResult.Failure("ACS answered 202 without a result for the recipient");
        }

        return result.Successful
            ? SmsSendResult.Success
            : SmsSendResult.Failure($"ACS refused the recipient ({result.HttpStatusCode})");
    }
}

internal sealed record AcsSendRequest(string From, IReadOnlyList<AcsRecipient> SmsRecipients, string Message, AcsSendOptions SmsSendOptions);

internal sealed record AcsRecipient(string To, string RepeatabilityRequestId, string RepeatabilityFirstSent);

internal sealed record AcsSendOptions(bool EnableDeliveryReport);

internal sealed record AcsSendResponse(IReadOnlyList<AcsRecipientResult>? Value);

internal sealed record AcsRecipientResult(string? To, string? MessageId, int HttpStatusCode, string? RepeatabilityResult, bool Successful, string? ErrorMessage);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(AcsSendRequest))]
[JsonSerializable(typeof(AcsSendResponse))]
internal sealed partial class AcsJson : JsonSerializerContext;
