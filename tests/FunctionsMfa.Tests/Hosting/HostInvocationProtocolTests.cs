using System.Net;
using System.Text;
using System.Text.Json;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Hosting;

/// <summary>
/// The custom-handler protocol for a queue trigger, sent exactly as the Functions host sends it. The shape is the
/// "Request payload" of https://learn.microsoft.com/azure/azure-functions/functions-custom-handlers : <c>POST
/// /{FunctionName}</c> with <c>Data</c> keyed by the trigger's binding name and <c>Metadata</c> holding the queue
/// trigger's metadata (DequeueCount, ExpirationTime, Id, InsertionTime, NextVisibleTime, PopReceipt) and <c>sys</c>
/// (MethodName, UtcNow, RandGuid); the handler answers <c>{"Outputs":…,"Logs":[…],"ReturnValue":…}</c>, and any
/// non-2xx status fails the invocation (the host then retries it and finally moves it to the poison queue).
/// </summary>
public sealed class HostInvocationProtocolTests(RecordingQueueAppFactory app) : IClassFixture<RecordingQueueAppFactory>
{
    private const string MessageId = "800ae4b3-bdd2-4c08-badd-f08e5a34b865";

    /// <summary>The host's body for one queue message; <paramref name="messageJson"/> is the JSON value under <c>Data</c>.</summary>
    internal static string HostPayload(string messageJson, long dequeueCount = 1) => $$"""
        {
          "Data": {
            "{{RecordingQueueFunction.Binding}}": {{messageJson}}
          },
          "Metadata": {
            "DequeueCount": {{dequeueCount}},
            "ExpirationTime": "2026-11-30T12:00:00+00:00",
            "Id": "{{MessageId}}",
            "InsertionTime": "2026-11-23T12:00:00+00:00",
            "NextVisibleTime": "2026-11-23T12:10:01+00:00",
            "PopReceipt": "AgAAAAMAAAAAAAAAAzVtg3B+1QE=",
            "sys": {
              "MethodName": "{{RecordingQueueFunction.FunctionName}}",
              "UtcNow": "2026-11-23T12:00:01.2205399Z",
              "RandGuid": "24ad4c06-24ad-4e5b-8294-3da9714877e9"
            }
          }
        }
        """;

    private Task<HttpResponseMessage> InvokeAsync(string body) =>
        app.CreateClient().PostAsync("/" + RecordingQueueFunction.FunctionName, new StringContent(body, Encoding.UTF8, "application/json"));

    private QueueInvocationRecord SingleInvocation()
    {
        var invocation = Assert.Single(app.Script.Invocations);
        app.Script.Invocations.Clear();
        return invocation;
    }

    private static async Task AssertHostAnswerAsync(HttpResponseMessage response, int logCount)
    {
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        var body = await response.JsonAsync();
        Assert.Equal(JsonValueKind.Object, body.GetProperty("Outputs").ValueKind);
        Assert.Empty(body.GetProperty("Outputs").EnumerateObject());
        Assert.Equal(logCount, body.GetProperty("Logs").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("ReturnValue").ValueKind);
        Assert.Equal(3, body.EnumerateObject().Count());
    }

    [Fact]
    public async Task A_successful_invocation_answers_200_with_empty_outputs_no_logs_and_a_null_return_value()
    {
        app.Script.Invocations.Clear();
        app.Script.Succeed = _ => true;

        var response = await InvokeAsync(HostPayload("\"hello world\""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await AssertHostAnswerAsync(response, logCount: 0);
        var invocation = SingleInvocation();
        Assert.Equal("hello world", invocation.MessageText);
        Assert.Equal(1, invocation.DequeueCount);
        Assert.Equal(MessageId, invocation.MessageId);
    }

    [Theory]
    [InlineData("\"plain text\"", "plain text")]
    [InlineData("\"\\\"quoted text\\\"\"", "quoted text")]
    [InlineData("\"{ message: \\\"Message sent\\\" }\"", "{ message: \"Message sent\" }")]
    [InlineData("\"{\\\"to\\\":\\\"+15555550100\\\"}\"", "{\"to\":\"+15555550100\"}")]
    [InlineData("\"\\\"\"", "\"")]
    public async Task A_string_message_arrives_as_its_text_even_when_json_quoted(string messageJson, string expected)
    {
        app.Script.Invocations.Clear();
        app.Script.Succeed = _ => true;

        var response = await InvokeAsync(HostPayload(messageJson));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, SingleInvocation().MessageText);
    }

    [Fact]
    public async Task An_object_message_arrives_as_its_json()
    {
        app.Script.Invocations.Clear();
        app.Script.Succeed = _ => true;

        var response = await InvokeAsync(HostPayload("{\"to\":\"+15555550100\",\"n\":1}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var message = JsonDocument.Parse(SingleInvocation().MessageText);
        Assert.Equal("+15555550100", message.RootElement.GetProperty("to").GetString());
        Assert.Equal(1, message.RootElement.GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task The_dequeue_count_from_the_metadata_reaches_the_function()
    {
        app.Script.Invocations.Clear();
        app.Script.Succeed = _ => true;

        var response = await InvokeAsync(HostPayload("\"again\"", dequeueCount: 4));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(4, SingleInvocation().DequeueCount);
    }

    [Fact]
    public async Task A_failed_invocation_answers_a_non_2xx_status_in_the_hosts_shape()
    {
        app.Script.Invocations.Clear();
        app.Script.Succeed = _ => false;

        var response = await InvokeAsync(HostPayload("\"will fail\""));

        Assert.False(response.IsSuccessStatusCode, $"Expected a failure status, got {(int)response.StatusCode}.");
        await AssertHostAnswerAsync(response, logCount: 1);
        var log = (await response.JsonAsync()).GetProperty("Logs")[0].GetString()!;
        Assert.DoesNotContain("will fail", log, StringComparison.Ordinal);
        SingleInvocation();
        app.Script.Succeed = _ => true;
    }

    [Fact]
    public async Task A_function_that_throws_fails_the_invocation_without_a_stack_trace()
    {
        app.Script.Invocations.Clear();
        app.Script.Throw = true;
        try
        {
            var response = await InvokeAsync(HostPayload("\"boom\""));

            Assert.False(response.IsSuccessStatusCode, $"Expected a failure status, got {(int)response.StatusCode}.");
            var text = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("InvalidOperationException", text, StringComparison.Ordinal);
            Assert.DoesNotContain(" at ", text, StringComparison.Ordinal);
            SingleInvocation();
        }
        finally
        {
            app.Script.Throw = false;
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("\"Data\"")]
    [InlineData("{}")]
    [InlineData("{\"Data\":null}")]
    [InlineData("{\"Data\":\"message\"}")]
    [InlineData("{\"Data\":{}}")]
    [InlineData("{\"Data\":{\"otherBinding\":\"x\"}}")]
    [InlineData("{\"Data\":{\"message\":\"x\"}")]
    [InlineData("{\"Data\":{\"message\":\"x\"}} trailing")]
    public async Task A_malformed_invocation_body_is_a_400_in_the_envelope_and_calls_nothing(string body)
    {
        app.Script.Invocations.Clear();

        var response = await InvokeAsync(body);

        await response.ErrorAsync(400, "request_body_invalid");
        Assert.Empty(app.Script.Invocations);
    }

    [Fact]
    public async Task An_invocation_body_nested_too_deeply_is_a_400_not_a_500()
    {
        app.Script.Invocations.Clear();
        var deep = new string('[', 200) + new string(']', 200);

        var response = await InvokeAsync(HostPayload(deep));

        await response.ErrorAsync(400, "request_body_invalid");
        Assert.Empty(app.Script.Invocations);
    }

    [Fact]
    public async Task An_oversized_invocation_is_refused_in_the_envelope()
    {
        app.Script.Invocations.Clear();

        var response = await InvokeAsync(HostPayload("\"" + new string('a', 64 * 1024) + "\""));

        await response.ErrorAsync(413, "request_body_too_large");
        Assert.Empty(app.Script.Invocations);
    }

    [Fact]
    public async Task The_function_route_takes_only_post()
    {
        var response = await app.CreateClient().GetAsync("/" + RecordingQueueFunction.FunctionName);
        await response.ErrorAsync(405, "method_not_allowed");
    }
}
