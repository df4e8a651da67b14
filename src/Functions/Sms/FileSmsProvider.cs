using System.Text.Json;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Sms;

/// <summary>One line of the <c>File</c> provider's output.</summary>
internal sealed record FileSmsLine(string To, string Body, string Code, long SentAt);

/// <summary>
/// The local-development provider: appends each SMS as one JSON line <c>{"to","body","code","sent_at"}</c> to
/// <c>Mfa:Sms:FilePath</c>, so a developer (or a test) reads the code without a phone. A program polling the file
/// takes only the lines that end in a newline: the last one may still be half-written when it reads. Not for
/// production: the file holds codes in clear.
/// </summary>
internal sealed class FileSmsProvider(IOptions<SmsOptions> options, TimeProvider time) : ISmsProvider
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    // A developer reads this file: "+1…" and accents as written, not \u002B escapes (the file is never embedded in HTML).
    private static readonly SmsJson FileJson = new(new JsonSerializerOptions(SmsJson.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public async Task<SmsSendResult> SendAsync(SmsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = Path.GetFullPath(options.Value.FilePath);
        var line = JsonSerializer.Serialize(new FileSmsLine(request.To, request.Body, request.Code, time.GetUtcNow().ToUnixTimeMilliseconds()), FileJson.FileSmsLine);
        await Gate.WaitAsync(cancellationToken);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.AppendAllTextAsync(path, line + "\n", cancellationToken);
        }
        finally
        {
            Gate.Release();
        }

        return SmsSendResult.Success;
    }
}
