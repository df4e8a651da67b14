using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Azure.Core;
using FunctionsMfa.Functions.Sms;

namespace FunctionsMfa.Tests.Sms;

/// <summary>The ACS SMS client: the HMAC scheme against the published vectors, and the wire against a local listener that answers like ACS.</summary>
public sealed class AcsSmsClientTests
{
    // The Azure SDKs' published HMAC vectors (azure-sdk-for-python/-js communication tests): secret "pw==".
    private const string VectorSecret = "pw==";

    [Fact]
    public void The_content_hash_of_an_empty_body_is_the_sha256_of_nothing()
    {
        Assert.Equal("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", AcsHmacPolicy.ContentHash([]));
    }

    [Fact]
    public void The_hmac_of_banana_under_pw_matches_the_published_vector()
    {
        Assert.Equal("88EC05aAS9iXnaimtNO78JLjiPtfWryQB/5QYEzEsu8=", AcsHmacPolicy.Sign(Convert.FromBase64String(VectorSecret), "banana"));
    }

    [Fact]
    public void A_get_with_path_and_query_signs_to_the_published_vector()
    {
        var stringToSign = AcsHmacPolicy.StringToSign(
            "GET", "/testPath?testQuery=yes", "Wed, 13 Apr 2022 18:09:12 GMT", "contoso.communicationservices.azure.com", AcsHmacPolicy.ContentHash([]));
        Assert.Equal(
            "GET\n/testPath?testQuery=yes\nWed, 13 Apr 2022 18:09:12 GMT;contoso.communicationservices.azure.com;47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            stringToSign);
        Assert.Equal("il99+rd6V5O136roX/zVePCNle78HmvC4B7tu9zRH3I=", AcsHmacPolicy.Sign(Convert.FromBase64String(VectorSecret), stringToSign));
    }

    [Fact]
    public void A_connection_string_gives_the_endpoint_and_the_key()
    {
        var (endpoint, key) = AcsSmsClient.ParseConnectionString("endpoint=https://contoso.communication.azure.com/;accesskey=pw==");
        Assert.Equal(new Uri("https://contoso.communication.azure.com/"), endpoint);
        Assert.Equal(Convert.FromBase64String("pw=="), key);
        Assert.Null(AcsSmsClient.ParseConnectionString("endpoint=https://x.communication.azure.com/").AccessKey);
    }

    [Fact]
    public async Task An_accepted_send_is_signed_shaped_like_acs_and_counts_as_sent()
    {
        await using var acs = FakeAcs.Start();
        acs.Answer(202, Accepted("+12015550123"));
        var client = acs.Client();

        var result = await client.SendAsync(Request("+12015550123"), CancellationToken.None);

        Assert.True(result.Sent, result.Reason);
        var request = Assert.Single(acs.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/sms?api-version=2021-03-07", request.PathAndQuery);
        Assert.True(request.SignatureValid, "The HMAC signature did not verify at the server.");
        using var body = JsonDocument.Parse(request.Body);
        var root = body.RootElement;
        Assert.Equal("+18005550100", root.GetProperty("from").GetString());
        Assert.Equal("Your code is 123456", root.GetProperty("message").GetString());
        var recipient = root.GetProperty("smsRecipients")[0];
        Assert.Equal("+12015550123", recipient.GetProperty("to").GetString());
        Assert.Equal("6f1c1c52-6a0b-4a41-9d49-0c6f4b6e1b7d", recipient.GetProperty("repeatabilityRequestId").GetString());
        Assert.Equal("Mon, 23 Nov 2026 12:00:00 GMT", recipient.GetProperty("repeatabilityFirstSent").GetString());
        Assert.False(root.GetProperty("smsSendOptions").GetProperty("enableDeliveryReport").GetBoolean());
    }

    [Theory]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task A_throttled_or_failed_try_is_retried_with_the_same_repeatability_id(int status)
    {
        await using var acs = FakeAcs.Start();
        acs.Answer(status, "{\"error\":{\"code\":\"x\"}}", retryAfter: "0");
        acs.Answer(202, Accepted("+12015550123", repeatability: "accepted"));
        var client = acs.Client();

        var result = await client.SendAsync(Request("+12015550123"), CancellationToken.None);

        Assert.True(result.Sent, result.Reason);
        Assert.Equal(2, acs.Requests.Count);
        Assert.All(acs.Requests, r => Assert.True(r.SignatureValid));
        var ids = acs.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("smsRecipients")[0]).Select(r =>
            (r.GetProperty("repeatabilityRequestId").GetString(), r.GetProperty("repeatabilityFirstSent").GetString())).Distinct().ToList();
        Assert.Single(ids);
    }

    [Fact]
    public async Task Persistent_server_errors_end_as_a_failure_after_the_retries()
    {
        await using var acs = FakeAcs.Start();
        for (var i = 0; i < 4; i++)
        {
            acs.Answer(500, "{}", retryAfter: "0");
        }

        var result = await acs.Client().SendAsync(Request("+12015550123"), CancellationToken.None);

        Assert.False(result.Sent);
        Assert.Equal("ACS answered 500", result.Reason);
        Assert.Equal(4, acs.Requests.Count);
    }

    [Fact]
    public async Task A_recipient_that_acs_refused_is_a_failure_even_in_a_202()
    {
        await using var acs = FakeAcs.Start();
        acs.Answer(202, """{"value":[{"to":"+12015550123","messageId":null,"httpStatusCode":400,"repeatabilityResult":"accepted","successful":false,"errorMessage":"Invalid To phone number format."}]}""");

        var result = await acs.Client().SendAsync(Request("+12015550123"), CancellationToken.None);

        Assert.False(result.Sent);
        Assert.Equal("ACS refused the recipient (400)", result.Reason);
        Assert.Single(acs.Requests);
    }

    [Fact]
    public async Task A_client_error_is_not_retried_and_is_a_failure()
    {
        await using var acs = FakeAcs.Start();
        acs.Answer(401, "{}");
        var result = await acs.Client().SendAsync(Request("+12015550123"), CancellationToken.None);
        Assert.False(result.Sent);
        Assert.Equal("ACS answered 401", result.Reason);
        Assert.Single(acs.Requests);
    }

    private static SmsRequest Request(string to) =>
        new(to, "Your code is 123456", "123456", "6f1c1c52-6a0b-4a41-9d49-0c6f4b6e1b7d", "Mon, 23 Nov 2026 12:00:00 GMT");

    internal static string Accepted(string to, string repeatability = "accepted") =>
        $$"""{"value":[{"to":"{{to}}","messageId":"Outgoing_{{Guid.NewGuid():N}}_noam","httpStatusCode":202,"repeatabilityResult":"{{repeatability}}","successful":true,"errorMessage":null}]}""";
}
